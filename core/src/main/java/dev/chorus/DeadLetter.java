package dev.chorus;

import dev.chorus.internal.DeadLetterHeaders;
import dev.chorus.internal.JsonCodec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * An event that could not be handled, with everything needed to understand and replay the
 * failure: the original bytes and metadata, where it came from, and why it failed.
 *
 * <p>On a dead-letter topic the record keeps the original key, value and headers and adds the
 * {@code kafka_dlt-*} headers that Spring Kafka writes and the {@code chorus-dlt-*} headers;
 * {@link #from(String, byte[], Map)} reads one back. Both transports produce the same dead
 * letter for the same failure.
 *
 * @param payload the original value bytes, as published (a copy is returned)
 * @param metadata the original metadata
 * @param group the consumer group that failed to handle the event
 * @param topic the topic the event came from
 * @param partition its partition
 * @param offset its offset
 * @param failure why it failed
 */
public record DeadLetter(
    byte[] payload,
    EventMetadata metadata,
    String group,
    String topic,
    int partition,
    long offset,
    Failure failure) {

  /** Why an event became a dead letter. */
  public enum Reason {
    /** The handler failed on every attempt the retry policy allowed. */
    HANDLER_FAILED,
    /** The handler threw {@link NonRetryableException} or an exception the policy does not retry. */
    NON_RETRYABLE,
    /**
     * The record claimed a subscribed type but its bytes or headers could not be decoded; the
     * handler was never called.
     */
    UNDECODABLE
  }

  /**
   * The failure that made an event a dead letter.
   *
   * @param reason why it became a dead letter
   * @param exceptionClass the fully qualified class name of the last exception
   * @param message the last exception's message, possibly empty
   * @param stackTrace the last exception's stack trace, at most 8 KiB
   * @param attempts how many times the handler was called (0 for {@link Reason#UNDECODABLE})
   * @param firstFailure when the first attempt failed
   * @param lastFailure when the last attempt failed
   */
  public record Failure(
      Reason reason,
      String exceptionClass,
      String message,
      String stackTrace,
      int attempts,
      Instant firstFailure,
      Instant lastFailure) {

    /**
     * Validates the failure.
     *
     * @param reason see {@link #reason()}
     * @param exceptionClass see {@link #exceptionClass()}
     * @param message see {@link #message()}
     * @param stackTrace see {@link #stackTrace()}
     * @param attempts see {@link #attempts()}
     * @param firstFailure see {@link #firstFailure()}
     * @param lastFailure see {@link #lastFailure()}
     * @throws NullPointerException if a component is null
     * @throws IllegalArgumentException if attempts is negative
     */
    public Failure {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(exceptionClass, "exceptionClass");
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(stackTrace, "stackTrace");
      Objects.requireNonNull(firstFailure, "firstFailure");
      Objects.requireNonNull(lastFailure, "lastFailure");
      if (attempts < 0) {
        throw new IllegalArgumentException("attempts cannot be negative: " + attempts);
      }
    }
  }

  /**
   * Validates and copies the dead letter.
   *
   * @param payload see {@link #payload()}
   * @param metadata see {@link #metadata()}
   * @param group see {@link #group()}
   * @param topic see {@link #topic()}
   * @param partition see {@link #partition()}
   * @param offset see {@link #offset()}
   * @param failure see {@link #failure()}
   * @throws NullPointerException if a reference component is null
   */
  public DeadLetter {
    payload = Objects.requireNonNull(payload, "payload").clone();
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(failure, "failure");
  }

  /**
   * The original value bytes.
   *
   * @return a copy of the bytes
   */
  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /**
   * Decodes the original payload, for inspection or to publish it again.
   *
   * @param type the event class
   * @param <E> the event type
   * @return the decoded event
   * @throws ChorusException if the bytes do not decode into {@code type}
   */
  public <E> E payload(Class<E> type) {
    return JsonCodec.shared().decode(payload, type);
  }

  /**
   * Reads a dead letter back from a dead-letter record.
   *
   * @param key the record key (the original event key), or {@code null}
   * @param value the record value (the original payload)
   * @param headers the record headers
   * @return the dead letter
   * @throws IllegalArgumentException if the headers are not those of a Chorus dead letter
   */
  public static DeadLetter from(String key, byte[] value, Map<String, byte[]> headers) {
    return DeadLetterHeaders.read(key, value, headers);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetter other
        && Arrays.equals(payload, other.payload)
        && metadata.equals(other.metadata)
        && group.equals(other.group)
        && topic.equals(other.topic)
        && partition == other.partition
        && offset == other.offset
        && failure.equals(other.failure);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(payload), metadata, group, topic, partition, offset, failure);
  }

  @Override
  public String toString() {
    return "DeadLetter[" + failure.reason() + " " + metadata.type() + " " + metadata.id() + " from " + topic + "-"
        + partition + "@" + offset + " in group " + group + ", " + failure.attempts() + " attempt(s), "
        + failure.exceptionClass() + ": " + failure.message() + ", " + payload.length + " payload bytes]";
  }
}

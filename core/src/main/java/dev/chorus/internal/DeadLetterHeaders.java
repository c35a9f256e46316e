package dev.chorus.internal;

import dev.chorus.DeadLetter;
import dev.chorus.EventMetadata;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.TransportRecord;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The dead-letter record format: the original key, value and headers, plus the header set
 * Spring Kafka's {@code DeadLetterPublishingRecoverer} writes (same names, same binary
 * encodings: partition as a 4-byte big-endian int, offset and timestamp as 8-byte longs,
 * strings as UTF-8) and Chorus's own {@code chorus-dlt-*} headers (UTF-8 text: the reason
 * name, the attempt count in decimal, failure times in ISO-8601).
 */
public final class DeadLetterHeaders {

  static final String ORIGINAL_TOPIC = "kafka_dlt-original-topic";
  static final String ORIGINAL_PARTITION = "kafka_dlt-original-partition";
  static final String ORIGINAL_OFFSET = "kafka_dlt-original-offset";
  static final String ORIGINAL_TIMESTAMP = "kafka_dlt-original-timestamp";
  static final String ORIGINAL_TIMESTAMP_TYPE = "kafka_dlt-original-timestamp-type";
  static final String ORIGINAL_GROUP = "kafka_dlt-original-consumer-group";
  static final String EXCEPTION_FQCN = "kafka_dlt-exception-fqcn";
  static final String EXCEPTION_CAUSE_FQCN = "kafka_dlt-exception-cause-fqcn";
  static final String EXCEPTION_MESSAGE = "kafka_dlt-exception-message";
  static final String EXCEPTION_STACKTRACE = "kafka_dlt-exception-stacktrace";
  static final String REASON = "chorus-dlt-reason";
  static final String ATTEMPTS = "chorus-dlt-attempts";
  static final String FIRST_FAILURE = "chorus-dlt-first-failure";
  static final String LAST_FAILURE = "chorus-dlt-last-failure";

  private DeadLetterHeaders() {}

  /** The record that carries a dead letter of {@code original} to {@code topic}. */
  static OutgoingRecord toRecord(String topic, DeadLetter deadLetter, TransportRecord original, Throwable error) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    original.headers().forEach((name, value) -> {
      if (value != null && !WireFormat.isDeadLetterHeader(name)) {
        headers.put(name, value);
      }
    });
    DeadLetter.Failure failure = deadLetter.failure();
    headers.put(ORIGINAL_TOPIC, WireFormat.utf8(deadLetter.topic()));
    headers.put(ORIGINAL_PARTITION, ByteBuffer.allocate(Integer.BYTES).putInt(deadLetter.partition()).array());
    headers.put(ORIGINAL_OFFSET, ByteBuffer.allocate(Long.BYTES).putLong(deadLetter.offset()).array());
    headers.put(ORIGINAL_TIMESTAMP, ByteBuffer.allocate(Long.BYTES).putLong(original.timestamp().toEpochMilli()).array());
    headers.put(ORIGINAL_TIMESTAMP_TYPE, WireFormat.utf8("CreateTime"));
    headers.put(ORIGINAL_GROUP, WireFormat.utf8(deadLetter.group()));
    headers.put(EXCEPTION_FQCN, WireFormat.utf8(failure.exceptionClass()));
    if (error != null && error.getCause() != null) {
      headers.put(EXCEPTION_CAUSE_FQCN, WireFormat.utf8(error.getCause().getClass().getName()));
    }
    headers.put(EXCEPTION_MESSAGE, WireFormat.utf8(failure.message()));
    headers.put(EXCEPTION_STACKTRACE, WireFormat.utf8(failure.stackTrace()));
    headers.put(REASON, WireFormat.utf8(failure.reason().name()));
    headers.put(ATTEMPTS, WireFormat.utf8(Integer.toString(failure.attempts())));
    headers.put(FIRST_FAILURE, WireFormat.utf8(failure.firstFailure().toString()));
    headers.put(LAST_FAILURE, WireFormat.utf8(failure.lastFailure().toString()));
    return new OutgoingRecord(topic, original.key(), original.value(), headers);
  }

  /**
   * Reads a dead letter back from a dead-letter record.
   *
   * @param key the record key
   * @param value the record value
   * @param headers the record headers
   * @return the dead letter
   * @throws IllegalArgumentException if a dead-letter header is missing or malformed
   */
  public static DeadLetter read(String key, byte[] value, Map<String, byte[]> headers) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(headers, "headers");
    EventMetadata metadata = WireFormat.readLenient(key, headers);
    String rawReason = text(headers, REASON);
    DeadLetter.Reason reason;
    try {
      reason = DeadLetter.Reason.valueOf(rawReason);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("header " + REASON + " is not a dead-letter reason: '" + rawReason + "'", e);
    }
    int attempts;
    try {
      attempts = Integer.parseInt(text(headers, ATTEMPTS));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("header " + ATTEMPTS + " is not a number", e);
    }
    DeadLetter.Failure failure = new DeadLetter.Failure(reason, text(headers, EXCEPTION_FQCN),
        text(headers, EXCEPTION_MESSAGE), text(headers, EXCEPTION_STACKTRACE), attempts,
        instant(headers, FIRST_FAILURE), instant(headers, LAST_FAILURE));
    return new DeadLetter(value, metadata, text(headers, ORIGINAL_GROUP), text(headers, ORIGINAL_TOPIC),
        ByteBuffer.wrap(bytes(headers, ORIGINAL_PARTITION, Integer.BYTES)).getInt(),
        ByteBuffer.wrap(bytes(headers, ORIGINAL_OFFSET, Long.BYTES)).getLong(), failure);
  }

  private static byte[] bytes(Map<String, byte[]> headers, String name, int length) {
    byte[] value = headers.get(name);
    if (value == null || (length > 0 && value.length != length)) {
      throw new IllegalArgumentException("not a Chorus dead-letter record: header " + name
          + (value == null ? " is missing" : " has " + value.length + " bytes, expected " + length));
    }
    return value;
  }

  private static String text(Map<String, byte[]> headers, String name) {
    return WireFormat.string(bytes(headers, name, -1));
  }

  private static Instant instant(Map<String, byte[]> headers, String name) {
    try {
      return Instant.parse(text(headers, name));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("header " + name + " is not an ISO-8601 instant", e);
    }
  }
}

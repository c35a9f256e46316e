package dev.chorus.spi;

import dev.chorus.internal.EnvelopeHeaders;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;

/**
 * A record read from a partition, as stored: nothing in it has been checked, so the engine
 * treats every byte and header as untrusted.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset the record's offset in the partition
 * @param timestamp when the transport stored it
 * @param key the record key, or {@code null}
 * @param value the value bytes (callers must not modify them)
 * @param headers the headers in order (wrapped read-only, not copied: the transport must not
 *     change the map afterwards)
 */
public record TransportRecord(String topic, int partition, long offset, Instant timestamp, String key,
    byte[] value, Map<String, byte[]> headers) {

  /**
   * Validates the record and wraps the headers read-only (unless they already are the engine's
   * own read-only headers).
   *
   * @param topic see {@link #topic()}
   * @param partition see {@link #partition()}
   * @param offset see {@link #offset()}
   * @param timestamp see {@link #timestamp()}
   * @param key see {@link #key()}
   * @param value see {@link #value()}
   * @param headers see {@link #headers()}
   * @throws NullPointerException if topic, timestamp, value or headers is null
   */
  public TransportRecord {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(headers, "headers");
    if (!(headers instanceof EnvelopeHeaders)) {
      headers = Collections.unmodifiableMap(headers);
    }
  }

  /**
   * The partition this record came from.
   *
   * @return the topic and partition
   */
  public TopicPartition topicPartition() {
    return new TopicPartition(topic, partition);
  }
}

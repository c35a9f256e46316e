package dev.chorus.spi;

import dev.chorus.internal.EnvelopeHeaders;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A record to append to a topic. The engine has already encoded the event: the transport
 * stores the key, value and headers as they are.
 *
 * @param topic the topic
 * @param key the record key (partitioning and ordering), or {@code null}
 * @param value the value bytes (the transport must not modify them)
 * @param headers the headers in order (copied into a read-only map that a transport may keep as it is)
 */
public record OutgoingRecord(String topic, String key, byte[] value, Map<String, byte[]> headers) {

  /**
   * Validates the record and copies the headers into a read-only map (unless they already are
   * the engine's own read-only headers, which are kept as they are).
   *
   * @param topic see {@link #topic()}
   * @param key see {@link #key()}
   * @param value see {@link #value()}
   * @param headers see {@link #headers()}
   * @throws NullPointerException if topic, value or headers is null
   */
  public OutgoingRecord {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(headers, "headers");
    // The engine's own headers are already an ordered read-only map that nothing else holds.
    if (!(headers instanceof EnvelopeHeaders)) {
      headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }
  }
}

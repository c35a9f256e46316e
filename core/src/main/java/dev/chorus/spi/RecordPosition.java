package dev.chorus.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * Where the transport stored an appended record.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset the offset
 * @param timestamp when it was stored
 */
public record RecordPosition(String topic, int partition, long offset, Instant timestamp) {

  /**
   * Validates the position.
   *
   * @param topic see {@link #topic()}
   * @param partition see {@link #partition()}
   * @param offset see {@link #offset()}
   * @param timestamp see {@link #timestamp()}
   * @throws NullPointerException if topic or timestamp is null
   */
  public RecordPosition {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(timestamp, "timestamp");
  }
}

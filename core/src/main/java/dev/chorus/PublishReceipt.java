package dev.chorus;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a published event was durably stored.
 *
 * @param eventId the id of the published event
 * @param topic the topic it was appended to
 * @param partition the partition, 0-based
 * @param offset its offset in the partition
 * @param timestamp the time the transport stored it
 */
public record PublishReceipt(String eventId, String topic, int partition, long offset, Instant timestamp) {

  /**
   * Validates the receipt.
   *
   * @param eventId see {@link #eventId()}
   * @param topic see {@link #topic()}
   * @param partition see {@link #partition()}
   * @param offset see {@link #offset()}
   * @param timestamp see {@link #timestamp()}
   * @throws NullPointerException if a reference component is null
   * @throws IllegalArgumentException if partition or offset is negative
   */
  public PublishReceipt {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(timestamp, "timestamp");
    if (partition < 0) {
      throw new IllegalArgumentException("partition cannot be negative: " + partition);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset cannot be negative: " + offset);
    }
  }
}

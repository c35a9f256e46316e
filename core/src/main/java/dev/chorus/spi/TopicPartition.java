package dev.chorus.spi;

import java.util.Objects;

/**
 * One partition of a topic.
 *
 * @param topic the topic name
 * @param partition the partition number, 0-based
 */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {

  /**
   * Validates the partition.
   *
   * @param topic see {@link #topic()}
   * @param partition see {@link #partition()}
   * @throws NullPointerException if topic is null
   * @throws IllegalArgumentException if partition is negative
   */
  public TopicPartition {
    Objects.requireNonNull(topic, "topic");
    if (partition < 0) {
      throw new IllegalArgumentException("partition cannot be negative: " + partition);
    }
  }

  @Override
  public int compareTo(TopicPartition other) {
    int byTopic = topic.compareTo(other.topic);
    return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
  }

  // Written out rather than left to the record's generated ones, which the JIT inlined less
  // well where the engine hashes a partition per record.
  @Override
  public boolean equals(Object other) {
    return this == other || other instanceof TopicPartition that && partition == that.partition
        && topic.equals(that.topic);
  }

  @Override
  public int hashCode() {
    return 31 * topic.hashCode() + partition;
  }

  @Override
  public String toString() {
    return topic + "-" + partition;
  }
}

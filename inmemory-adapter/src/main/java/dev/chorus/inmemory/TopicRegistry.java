package dev.chorus.inmemory;

import dev.chorus.spi.TopicPartition;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The transport's topics, created on demand with the default partition count. Thread-safe.
 */
final class TopicRegistry {

  private final ConcurrentMap<String, Topic> topics = new ConcurrentHashMap<>();
  private final int defaultPartitions;
  private final int retention;
  private final Clock clock;

  TopicRegistry(int defaultPartitions, int retention, Clock clock) {
    this.defaultPartitions = defaultPartitions;
    this.retention = retention;
    this.clock = clock;
  }

  /**
   * The topic, created with the default partition count if it does not exist.
   *
   * @throws IllegalArgumentException if the name is blank
   */
  Topic getOrCreate(String name) {
    return create(name, defaultPartitions, false);
  }

  /**
   * Creates a topic with {@code partitions} partitions; does nothing if it exists with that many.
   *
   * @throws IllegalArgumentException if the name is blank or partitions is below 1
   * @throws IllegalStateException if the topic exists with another partition count
   */
  Topic create(String name, int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1: " + partitions);
    }
    return create(name, partitions, true);
  }

  private Topic create(String name, int partitions, boolean exact) {
    Topic topic = topics.get(requireTopicName(name));
    if (topic == null) {
      topic = topics.computeIfAbsent(name, n -> new Topic(n, partitions, retention, clock));
    }
    if (exact && topic.partitionCount() != partitions) {
      throw new IllegalStateException("topic '" + name + "' already exists with "
          + topic.partitionCount() + " partitions, not " + partitions);
    }
    return topic;
  }

  /**
   * The topic if it exists.
   *
   * @return the topic, or {@code null}
   */
  Topic find(String name) {
    return topics.get(Objects.requireNonNull(name, "topic"));
  }

  /** The log of an existing partition. */
  PartitionLog log(TopicPartition partition) {
    return topics.get(partition.topic()).partition(partition.partition());
  }

  static String requireTopicName(String name) {
    Objects.requireNonNull(name, "topic");
    if (name.isBlank()) {
      throw new IllegalArgumentException("topic cannot be blank: '" + name + "'");
    }
    return name;
  }
}

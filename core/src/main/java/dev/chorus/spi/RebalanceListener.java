package dev.chorus.spi;

import java.util.Collection;
import java.util.Map;

/**
 * Told by a {@link TransportConsumer} when its share of the group's partitions changes.
 * Called on the polling thread, from inside {@link TransportConsumer#poll}, like Kafka's
 * {@code ConsumerRebalanceListener}.
 */
public interface RebalanceListener {

  /**
   * Partitions were taken away. The consumer still owns them during this call, so the engine
   * finishes or abandons their in-flight work and commits before returning; afterwards another
   * member may read them.
   *
   * @param partitions the revoked partitions
   */
  void onRevoked(Collection<TopicPartition> partitions);

  /**
   * Partitions were given to this consumer; the next polls return their records starting at
   * the given positions (the group's committed offset, or the start position for a new group).
   * Called at least once after the consumer joined its group, with an empty map if the group
   * gave it nothing (yet): that first call is how the engine knows the member has joined.
   *
   * @param positions each assigned partition and the offset reading starts from
   */
  void onAssigned(Map<TopicPartition, Long> positions);
}

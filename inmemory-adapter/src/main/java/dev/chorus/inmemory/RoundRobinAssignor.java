package dev.chorus.inmemory;

import dev.chorus.spi.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Computes a group's target assignment: for each topic, its partitions are dealt round-robin
 * to the members subscribed to it, in join order (partition {@code p} goes to the
 * {@code p % n}-th of the {@code n} subscribers). Deterministic; stateless.
 */
final class RoundRobinAssignor {

  private RoundRobinAssignor() {}

  /**
   * The target owner of every partition of every subscribed topic.
   *
   * @param members the members in join order
   * @param subscription the topics a member reads
   * @param partitionCount the partition count of a topic
   * @param <M> the member type
   * @return target owner per partition, sorted by partition
   */
  static <M> Map<TopicPartition, M> assign(List<M> members, Function<M, Collection<String>> subscription,
      ToIntFunction<String> partitionCount) {
    SortedSet<String> topics = new TreeSet<>();
    for (M member : members) {
      topics.addAll(subscription.apply(member));
    }
    Map<TopicPartition, M> targets = new TreeMap<>();
    for (String topic : topics) {
      List<M> subscribers = new ArrayList<>();
      for (M member : members) {
        if (subscription.apply(member).contains(topic)) {
          subscribers.add(member);
        }
      }
      int partitions = partitionCount.applyAsInt(topic);
      for (int p = 0; p < partitions; p++) {
        targets.put(new TopicPartition(topic, p), subscribers.get(p % subscribers.size()));
      }
    }
    return targets;
  }
}

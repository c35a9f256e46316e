package dev.chorus.inmemory;

import dev.chorus.StartPosition;
import dev.chorus.spi.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer group: its members in join order, the target owner of each partition, the
 * current owner of each partition and the committed offsets. Thread-safe; all state is guarded
 * by this object's monitor, which is never held while a listener runs.
 *
 * <p>Handoff is cooperative: a partition has at most one owner. When the target of a partition
 * changes, the current owner is asked to rebalance; in its next poll it revokes the partition
 * (while still owning it, so it can commit) and releases it, which asks the new target to
 * rebalance; only then can the new target acquire it.
 */
final class GroupCoordinator {

  private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

  private final String group;
  private final TopicRegistry topics;

  // All guarded by this.
  private final List<InMemoryConsumer> members = new ArrayList<>();
  private final Map<TopicPartition, InMemoryConsumer> owners = new HashMap<>();
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private Map<TopicPartition, InMemoryConsumer> targets = Map.of();
  private int joined;

  GroupCoordinator(String group, TopicRegistry topics) {
    this.group = group;
    this.topics = topics;
  }

  String group() {
    return group;
  }

  /** A new member id, unique within the group: {@code group#n}. */
  synchronized String nextMemberId() {
    return group + "#" + (++joined);
  }

  /** Adds a member (last in join order) and recomputes the target assignment. */
  synchronized void join(InMemoryConsumer member) {
    members.add(member);
    reassign();
  }

  /**
   * Removes a member: everything it owns is released at once, without revocation, and the
   * target assignment is recomputed.
   */
  synchronized void leave(InMemoryConsumer member) {
    if (members.remove(member)) {
      owners.values().removeIf(owner -> owner == member);
      reassign();
    }
  }

  private void reassign() {
    targets = RoundRobinAssignor.assign(members, InMemoryConsumer::subscription,
        topic -> topics.find(topic).partitionCount());
    for (InMemoryConsumer member : members) {
      member.requestRebalance();
    }
  }

  /**
   * The partitions the member owns but is no longer the target of.
   *
   * @return sorted partitions, possibly none
   */
  synchronized List<TopicPartition> revocations(InMemoryConsumer member) {
    List<TopicPartition> revoked = new ArrayList<>();
    owners.forEach((partition, owner) -> {
      if (owner == member && targets.get(partition) != member) {
        revoked.add(partition);
      }
    });
    Collections.sort(revoked);
    return revoked;
  }

  /** Gives up the member's ownership of these partitions and tells their new targets. */
  synchronized void release(InMemoryConsumer member, Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      if (owners.remove(partition, member)) {
        InMemoryConsumer target = targets.get(partition);
        if (target != null) {
          target.requestRebalance();
        }
      }
    }
  }

  /**
   * Makes the member the owner of every partition it is the target of and nobody owns, and
   * says where it starts reading each: the committed offset (moved up to the log start if
   * retention dropped it), else the log start for {@code EARLIEST} or the log end for
   * {@code LATEST}, as of now.
   *
   * @return the acquired partitions and their positions, sorted, possibly none
   */
  synchronized Map<TopicPartition, Long> acquire(InMemoryConsumer member, StartPosition start) {
    Map<TopicPartition, Long> acquired = new TreeMap<>();
    targets.forEach((partition, target) -> {
      if (target == member && !owners.containsKey(partition)) {
        owners.put(partition, member);
        acquired.put(partition, startingOffset(partition, start));
      }
    });
    return Collections.unmodifiableMap(acquired);
  }

  private long startingOffset(TopicPartition partition, StartPosition start) {
    PartitionLog log = topics.log(partition);
    Long offset = committed.get(partition);
    if (offset == null) {
      return start == StartPosition.EARLIEST ? log.startOffset() : log.endOffset();
    }
    long logStart = log.startOffset();
    if (offset < logStart) {
      LOG.warn("Consumer group '{}' committed offset {} on {} was dropped by retention: "
          + "{} records missed, resuming at log start {}", group, offset, partition, logStart - offset, logStart);
      return logStart;
    }
    return offset;
  }

  /**
   * Stores committed offsets for the partitions the member owns.
   *
   * @param offsets validated offsets
   * @return the partitions it does not own, which were ignored
   */
  synchronized List<TopicPartition> commit(InMemoryConsumer member, Map<TopicPartition, Long> offsets) {
    List<TopicPartition> ignored = new ArrayList<>();
    offsets.forEach((partition, offset) -> {
      if (owners.get(partition) == member) {
        committed.put(partition, offset);
      } else {
        ignored.add(partition);
      }
    });
    return ignored;
  }

  /**
   * The committed offsets of these topics' partitions.
   *
   * @param topicNames the topics
   * @param into where to put them
   */
  synchronized void committedOffsets(Collection<String> topicNames, Map<TopicPartition, Long> into) {
    committed.forEach((partition, offset) -> {
      if (topicNames.contains(partition.topic())) {
        into.put(partition, offset);
      }
    });
  }
}

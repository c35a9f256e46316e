package dev.chorus.kafka;

import dev.chorus.ChorusException;
import dev.chorus.spi.TopicPartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeReplicaLogDirsResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Topic creation on demand and the offset queries of the SPI, through one thread-safe
 * {@link Admin} client. Topics known to exist (with a leader on every partition) are cached.
 */
final class TopicAdmin implements AutoCloseable {

  private final Admin admin;
  private final boolean createTopics;
  private final int partitions;
  private final Optional<Short> replicationFactor;
  private final Duration timeout;
  private final Set<String> ready = ConcurrentHashMap.newKeySet();

  TopicAdmin(Admin admin, boolean createTopics, int partitions, Optional<Short> replicationFactor, Duration timeout) {
    this.admin = admin;
    this.createTopics = createTopics;
    this.partitions = partitions;
    this.replicationFactor = replicationFactor;
    this.timeout = timeout;
  }

  /**
   * Makes sure the topics exist and every partition has a leader, creating them when allowed.
   *
   * @throws ChorusException naming the missing topic when creation is disabled, or if the
   *     broker did not answer in time
   */
  void ensure(Collection<String> topics) {
    if (topics.size() == 1 && ready.contains(topics.iterator().next())) {
      return; // every send passes here: skip the stream for a topic known to be ready
    }
    List<String> unknown = topics.stream().filter(topic -> !ready.contains(topic)).distinct().toList();
    if (unknown.isEmpty()) {
      return;
    }
    synchronized (this) {
      List<String> missing = new ArrayList<>();
      for (String topic : unknown) {
        if (!ready.contains(topic) && describe(topic) == null) {
          missing.add(topic);
        }
      }
      if (!missing.isEmpty()) {
        if (!createTopics) {
          throw new ChorusException("topic '" + missing.get(0) + "' does not exist and this KafkaTransport may not "
              + "create topics (createTopics(false)); create " + missing + " or allow creation");
        }
        List<NewTopic> newTopics = missing.stream()
            .map(topic -> new NewTopic(topic, Optional.of(partitions), replicationFactor)).toList();
        admin.createTopics(newTopics).values().forEach((topic, future) -> {
          try {
            await(future);
          } catch (ChorusException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
              throw new ChorusException("could not create topic '" + topic + "': " + e.getCause().getMessage(), e);
            }
          }
        });
      }
      for (String topic : unknown) {
        awaitLeaders(topic);
        ready.add(topic);
      }
    }
  }

  /**
   * Waits until every partition of a new topic has a leader that already holds the partition's
   * log. Producing earlier with an idempotent producer can fail with NOT_LEADER_OR_FOLLOWER and
   * then OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout.
   */
  private void awaitLeaders(String topic) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      TopicDescription description = describe(topic);
      if (description != null && description.partitions().stream().allMatch(p -> p.leader() != null)
          && leadersHoldTheirLogs(topic, description)) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new ChorusException("topic '" + topic + "' has partitions without a leader after " + timeout);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  private boolean leadersHoldTheirLogs(String topic, TopicDescription description) {
    List<TopicPartitionReplica> leaders = description.partitions().stream()
        .map(p -> new TopicPartitionReplica(topic, p.partition(), p.leader().id())).toList();
    try {
      Map<TopicPartitionReplica, DescribeReplicaLogDirsResult.ReplicaLogDirInfo> logs =
          await(admin.describeReplicaLogDirs(leaders).all());
      return leaders.stream().allMatch(leader -> logs.get(leader) != null
          && logs.get(leader).getCurrentReplicaLogDir() != null);
    } catch (ChorusException e) {
      return false; // not ready yet, or a broker that does not answer: the caller's deadline decides
    }
  }

  /** The topic's description, or null if it does not exist. */
  private TopicDescription describe(String topic) {
    try {
      return await(admin.describeTopics(List.of(topic)).topicNameValues().get(topic));
    } catch (ChorusException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return null;
      }
      throw e;
    }
  }

  Map<TopicPartition, Long> endOffsets(Collection<String> topics) {
    Map<org.apache.kafka.common.TopicPartition, OffsetSpec> request = new HashMap<>();
    for (String topic : topics) {
      TopicDescription description = describe(topic);
      if (description != null) {
        for (TopicPartitionInfo partition : description.partitions()) {
          request.put(new org.apache.kafka.common.TopicPartition(topic, partition.partition()), OffsetSpec.latest());
        }
      }
    }
    Map<TopicPartition, Long> ends = new HashMap<>();
    if (request.isEmpty()) {
      return ends;
    }
    Map<org.apache.kafka.common.TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets =
        await(admin.listOffsets(request).all());
    offsets.forEach((partition, info) -> ends.put(KafkaGroupConsumer.toChorus(partition), info.offset()));
    return ends;
  }

  Map<TopicPartition, Long> committedOffsets(String group, Collection<String> topics) {
    Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets =
        await(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
    Map<TopicPartition, Long> committed = new HashMap<>();
    offsets.forEach((partition, offset) -> {
      if (offset != null && topics.contains(partition.topic())) {
        committed.put(KafkaGroupConsumer.toChorus(partition), offset.offset());
      }
    });
    return committed;
  }

  private <T> T await(KafkaFuture<T> future) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new ChorusException("Kafka admin request failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new ChorusException("Kafka admin request timed out after " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChorusException("interrupted while waiting for Kafka", e);
    }
  }

  @Override
  public void close() {
    admin.close(timeout);
  }
}

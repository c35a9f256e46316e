package dev.chorus.kafka.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeReplicaLogDirsResult.ReplicaLogDirInfo;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Creates Kafka topics for tests and waits until they can be used.
 *
 * <p>{@code Admin.createTopics(...).all().get()} returns before the new partitions have leaders;
 * a producer writing at once then meets {@code NOT_LEADER_OR_FOLLOWER} and, with idempotence,
 * out-of-sequence retries that can last until its delivery timeout. The methods here return only
 * once every partition has a leader whose replica (its log) exists on the leading broker.
 *
 * <p>Works against any cluster, not only {@link EmbeddedKafka}. Thread-safe: stateless.
 */
public final class KafkaTopics {

  /** How long {@link #create(String, String, int)} waits for the new topic's leaders. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private static final Duration POLL_INTERVAL = Duration.ofMillis(20);

  private KafkaTopics() {}

  /**
   * Creates a topic with replication factor 1 and waits up to {@link #DEFAULT_TIMEOUT} until
   * every partition has a leader.
   *
   * @param bootstrapServers the cluster's bootstrap address, e.g.
   *     {@link EmbeddedKafka#bootstrapServers()}
   * @param topic the topic name
   * @param partitions the number of partitions, at least 1
   * @throws IllegalArgumentException if {@code partitions} is less than 1
   * @throws org.apache.kafka.common.errors.TopicExistsException if the topic already exists
   * @throws KafkaException for other failures reported by the cluster
   * @throws IllegalStateException if the topic is not ready within the timeout
   */
  public static void create(String bootstrapServers, String topic, int partitions) {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(topic, "topic");
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "partitions must be at least 1: " + partitions + " (topic '" + topic + "')");
    }
    try (Admin admin = admin(bootstrapServers)) {
      create(admin, new NewTopic(topic, partitions, (short) 1), DEFAULT_TIMEOUT);
    }
  }

  /**
   * Creates a topic as described and waits until every partition has a leader.
   *
   * @param admin the admin client to use; it is not closed
   * @param topic the topic to create (name, partitions or replica assignment, configs)
   * @param timeout how long to wait in all, creation included
   * @throws IllegalArgumentException if the topic asks for fewer than 1 partition (-1, the
   *     broker's default, is allowed) or
   *     {@code timeout} is not positive
   * @throws org.apache.kafka.common.errors.TopicExistsException if the topic already exists
   * @throws KafkaException for other failures reported by the cluster
   * @throws IllegalStateException if the topic is not ready within {@code timeout}
   */
  public static void create(Admin admin, NewTopic topic, Duration timeout) {
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(topic, "topic");
    requirePositive(timeout);
    // -1 stands for "the broker's default" (or an explicit replica assignment).
    if (topic.numPartitions() != -1 && topic.numPartitions() < 1) {
      throw new IllegalArgumentException("partitions must be at least 1: " + topic.numPartitions()
          + " (topic '" + topic.name() + "')");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    await(admin.createTopics(List.of(topic)).all(), deadline, "create topic '" + topic.name() + "'");
    awaitLeaders(admin, topic.name(), remaining(deadline));
  }

  /**
   * Waits until an existing topic has a leader for every partition and each leader holds the
   * partition's log.
   *
   * @param admin the admin client to use; it is not closed
   * @param topic the topic name
   * @param timeout how long to wait
   * @throws IllegalArgumentException if {@code timeout} is not positive
   * @throws IllegalStateException if the topic is not ready within {@code timeout}, naming the
   *     partitions still without a leader
   */
  public static void awaitLeaders(Admin admin, String topic, Duration timeout) {
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(topic, "topic");
    requirePositive(timeout);
    long deadline = System.nanoTime() + timeout.toNanos();
    String lastProblem = "not described yet";
    while (true) {
      Optional<String> problem = notReady(admin, topic, deadline);
      if (problem.isEmpty()) {
        return;
      }
      lastProblem = problem.get();
      if (System.nanoTime() - deadline >= 0) {
        throw new IllegalStateException("Topic '" + topic + "' not ready after " + timeout + ": "
            + lastProblem);
      }
      LockSupport.parkNanos(POLL_INTERVAL.toNanos());
      if (Thread.currentThread().isInterrupted()) {
        throw new IllegalStateException("Interrupted while waiting for topic '" + topic + "'");
      }
    }
  }

  /** Waits until every partition of every topic, internal ones included, is led. */
  static void awaitAllLeaders(String bootstrapServers, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = admin(bootstrapServers)) {
      Set<String> topics = await(admin.listTopics(new ListTopicsOptions().listInternal(true)).names(),
          deadline, "list topics");
      for (String topic : new TreeSet<>(topics)) {
        awaitLeaders(admin, topic, remaining(deadline));
      }
    }
  }

  private static Admin admin(String bootstrapServers) {
    return Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.CLIENT_ID_CONFIG, "chorus-kafka-testkit-topics"));
  }

  /** Returns what is still missing, or empty once every partition is led by a live replica. */
  private static Optional<String> notReady(Admin admin, String topic, long deadline) {
    TopicDescription description;
    try {
      description = await(admin.describeTopics(List.of(topic)).allTopicNames(), deadline,
          "describe topic '" + topic + "'").get(topic);
    } catch (RetriableException e) {
      // UnknownTopicOrPartition right after creation: the broker's metadata is catching up.
      return Optional.of(e.toString());
    }
    List<Integer> leaderless = new ArrayList<>();
    List<TopicPartitionReplica> leaders = new ArrayList<>();
    for (TopicPartitionInfo partition : description.partitions()) {
      if (partition.leader() == null || partition.leader().isEmpty()) {
        leaderless.add(partition.partition());
      } else {
        leaders.add(new TopicPartitionReplica(topic, partition.partition(), partition.leader().id()));
      }
    }
    if (!leaderless.isEmpty()) {
      return Optional.of("partitions " + leaderless + " have no leader");
    }
    Map<TopicPartitionReplica, ReplicaLogDirInfo> logs = await(
        admin.describeReplicaLogDirs(leaders).all(), deadline, "describe log dirs of " + topic);
    List<Integer> withoutLog = new ArrayList<>();
    for (TopicPartitionReplica leader : leaders) {
      ReplicaLogDirInfo info = logs.get(leader);
      if (info == null || info.getCurrentReplicaLogDir() == null) {
        withoutLog.add(leader.partition());
      }
    }
    return withoutLog.isEmpty()
        ? Optional.empty()
        : Optional.of("leaders of partitions " + withoutLog + " have no log yet");
  }

  private static <T> T await(KafkaFuture<T> future, long deadline, String what) {
    try {
      return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof KafkaException kafka) {
        throw kafka;
      }
      throw new IllegalStateException("Failed to " + what, e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Timed out trying to " + what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted trying to " + what, e);
    }
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }

  private static void requirePositive(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
  }
}

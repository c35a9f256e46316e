package dev.chorus.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A three-node cluster in child JVMs: kills the leader of a partition with SIGKILL while a
 * producer with {@code acks=all} writes and checks that every acknowledged record is read back and
 * that the node rejoins after a restart; stops a node cleanly; fails fast when a node cannot start.
 *
 * <p>The tests share one cluster; each leaves every node running and its topic in sync.
 */
class BrokerClusterTest {

  private static final String TOPIC = "cluster-failover";
  private static final int PARTITIONS = 6;
  private static final int RECORDS = 2_000;
  /** The producer waits for every batch of this many sends: a paced run the kill lands inside. */
  private static final int BATCH = 20;
  private static final int KILL_AFTER_ACKS = 600;
  /** The producer holds here until the kill is done, so at least half the records follow it. */
  private static final int HOLD_AT = RECORDS / 2;
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static BrokerCluster cluster;

  @BeforeAll
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  static void startCluster() {
    long began = System.nanoTime();
    cluster = BrokerCluster.start(3);
    System.out.printf("BrokerCluster of 3 nodes started in %d ms%n", millisSince(began));
  }

  @AfterAll
  static void closeCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A test that failed half-way may have left a node down: the next one starts complete. */
  @BeforeEach
  void everyNodeRuns() {
    for (int node = 1; node <= 3; node++) {
      if (!cluster.isRunning(node)) {
        cluster.restart(node);
      }
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void everyAcknowledgedRecordSurvivesKillingThePartitionLeaderAndTheNodeRejoins()
      throws Exception {
    long testBegan = System.nanoTime();
    cluster.createTopic(TOPIC, PARTITIONS);
    int leader = cluster.leaderOf(TOPIC, 0).orElseThrow();

    Map<String, Integer> acknowledged = new ConcurrentHashMap<>(); // value -> partition
    Map<String, Exception> failed = new ConcurrentHashMap<>();
    AtomicInteger sent = new AtomicInteger();
    AtomicLong killedAt = new AtomicLong();
    AtomicInteger sentBeforeKill = new AtomicInteger(-1);
    AtomicLong partitionZeroBackAt = new AtomicLong();
    AtomicReference<Throwable> producerFailure = new AtomicReference<>();
    CountDownLatch killDone = new CountDownLatch(1);

    Thread producing = new Thread(() -> {
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig())) {
        Future<RecordMetadata> last = null;
        for (int i = 0; i < RECORDS; i++) {
          String value = "v-" + i;
          last = producer.send(new ProducerRecord<>(TOPIC, "k-" + i, value), (metadata, error) -> {
            if (error != null) {
              failed.put(value, error);
              return;
            }
            acknowledged.put(value, metadata.partition());
            long kill = killedAt.get();
            if (metadata.partition() == 0 && kill != 0) {
              partitionZeroBackAt.compareAndSet(0, System.nanoTime());
            }
          });
          sent.incrementAndGet();
          if ((i + 1) % BATCH == 0) {
            awaitQuietly(last);
          }
          if (i + 1 == HOLD_AT && !killDone.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("The leader was not killed within " + WAIT);
          }
        }
        producer.flush();
      } catch (Throwable e) {
        producerFailure.set(e);
      }
    }, "cluster-test-producer");
    producing.setDaemon(true);
    producing.start();

    awaitCondition(() -> acknowledged.size() >= KILL_AFTER_ACKS || !producing.isAlive(),
        "acknowledgements before the kill");
    long killBegan = System.nanoTime();
    cluster.kill(leader);
    long killMillis = millisSince(killBegan);
    killedAt.set(System.nanoTime());
    sentBeforeKill.set(sent.get());
    killDone.countDown();
    assertThat(sentBeforeKill.get()).as("records sent before the kill").isLessThanOrEqualTo(HOLD_AT);
    assertThat(cluster.isRunning(leader)).isFalse();

    OptionalInt[] newLeader = {OptionalInt.empty()};
    awaitCondition(() -> {
      newLeader[0] = cluster.leaderOf(TOPIC, 0);
      return newLeader[0].isPresent() && newLeader[0].getAsInt() != leader;
    }, "a new leader of partition 0");
    long newLeaderMillis = millisSince(killedAt.get());
    assertThat(newLeader[0].getAsInt()).isNotEqualTo(leader).isBetween(1, 3);

    producing.join(WAIT.toMillis());
    assertThat(producing.isAlive()).as("producer finished within " + WAIT).isFalse();
    assertThat(producerFailure.get()).isNull();
    long producedMillis = millisSince(killedAt.get());
    assertThat(partitionZeroBackAt.get()).as("partition 0 acknowledged after the kill")
        .isNotZero();
    long partitionZeroMillis =
        Duration.ofNanos(partitionZeroBackAt.get() - killedAt.get()).toMillis();
    int sentAfterKill = RECORDS - sentBeforeKill.get();
    long acknowledgedAfterKillOnPartitionZero = acknowledged.entrySet().stream()
        .filter(e -> e.getValue() == 0 && index(e.getKey()) >= sentBeforeKill.get())
        .count();
    assertThat(sentAfterKill).as("records sent after the kill").isPositive();
    assertThat(acknowledgedAfterKillOnPartitionZero)
        .as("records sent to partition 0 after the kill and acknowledged").isPositive();
    assertThat(acknowledged.size() + failed.size()).as("sends completed").isEqualTo(RECORDS);

    // Consume while the killed node is still down, in a consumer group (the offsets topic
    // lost a replica too).
    long consumeBegan = System.nanoTime();
    List<String> consumed = consumeAll();
    long consumeMillis = millisSince(consumeBegan);
    assertThat(consumed).as("no record read twice").doesNotHaveDuplicates();
    Set<String> missing = new TreeSet<>(acknowledged.keySet());
    consumed.forEach(missing::remove);
    assertThat(missing).as("acknowledged but not read back").isEmpty();
    // A send that failed (only a delivery timeout could fail it) may still have been written.
    Set<String> readNotFailed = new HashSet<>(consumed);
    readNotFailed.removeAll(failed.keySet());
    assertThat(readNotFailed).as("read back, apart from failed sends")
        .isEqualTo(acknowledged.keySet());

    long restartBegan = System.nanoTime();
    cluster.restart(leader);
    long restartMillis = millisSince(restartBegan);
    assertThat(cluster.isRunning(leader)).isTrue();
    try (Admin admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      Set<Integer> brokers = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream()
          .map(Node::id).collect(Collectors.toSet());
      assertThat(brokers).containsExactlyInAnyOrder(1, 2, 3);
    }
    long inSyncBegan = System.nanoTime();
    cluster.awaitInSync(TOPIC, WAIT);
    long inSyncMillis = millisSince(inSyncBegan);

    System.out.printf("BrokerCluster timings: kill -9 of node %d %d ms; new leader "
            + "of partition 0 (node %d) %d ms after the kill; partition 0 acknowledged again "
            + "%d ms after the kill; producer done %d ms after the kill (%d of %d records sent "
            + "after the kill, %d failed); consume %d records %d ms; restart %d ms; back in sync "
            + "%d ms; test %d ms%n",
        leader, killMillis, newLeader[0].getAsInt(), newLeaderMillis,
        partitionZeroMillis, producedMillis, sentAfterKill, RECORDS, failed.size(),
        consumed.size(),
        consumeMillis, restartMillis, inSyncMillis, millisSince(testBegan));
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void aCleanStopMovesLeadershipAwayAndTheNodeRejoinsOnRestart() throws Exception {
    String topic = "cluster-clean-stop";
    cluster.createTopic(topic, 1);
    int leader = cluster.leaderOf(topic, 0).orElseThrow();

    long stopBegan = System.nanoTime();
    cluster.stop(leader);
    long stopMillis = millisSince(stopBegan);
    assertThat(cluster.isRunning(leader)).isFalse();
    assertThatThrownBy(() -> cluster.kill(leader)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("node " + leader + ": it is not running");
    // Controlled shutdown hands leadership over before the process exits.
    awaitCondition(() -> cluster.leaderOf(topic, 0).orElse(leader) != leader,
        "a new leader after the clean stop");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig())) {
      producer.send(new ProducerRecord<>(topic, "k", "while stopped"))
          .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    long restartBegan = System.nanoTime();
    cluster.restart(leader);
    long restartMillis = millisSince(restartBegan);
    cluster.awaitInSync(topic, WAIT);
    System.out.printf("BrokerCluster timings: clean stop of node %d %d ms; restart %d ms%n",
        leader, stopMillis, restartMillis);
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void startFailsFastWithTheNodeLogWhenANodeCannotStart() {
    long began = System.nanoTime();
    assertThatThrownBy(() -> BrokerCluster.start(1, Map.of("num.io.threads", "not-a-number")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Kafka node 1 exited with status")
        .hasMessageContaining("num.io.threads");
    assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(WAIT);
  }

  @Test
  void startRejectsSettingsItOwnsAndImpossibleSizes() {
    assertThatThrownBy(() -> BrokerCluster.start(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nodes must be between 1 and 9: 0");
    assertThatThrownBy(() -> BrokerCluster.start(3, Map.of("listeners", "PLAINTEXT://:9092")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'listeners'");
    assertThatThrownBy(() -> cluster.kill(4)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nodeId must be between 1 and 3: 4");
  }

  private static Map<String, Object> producerConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    return config;
  }

  /** Reads the whole topic in a consumer group until every partition's end offset is reached. */
  private static List<String> consumeAll() {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "cluster-failover-reader");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    List<String> consumed = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(List.of(TOPIC));
      Set<TopicPartition> partitions = new HashSet<>();
      for (int p = 0; p < PARTITIONS; p++) {
        partitions.add(new TopicPartition(TOPIC, p));
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, WAIT);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!reached(consumer, end)) {
        assertThat(System.nanoTime() - deadline).as("read up to the end offsets " + end
            + " within " + WAIT + "; read " + consumed.size()).isNegative();
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          consumed.add(record.value());
        }
      }
      consumer.commitSync(WAIT);
    }
    return consumed;
  }

  private static boolean reached(KafkaConsumer<String, String> consumer,
      Map<TopicPartition, Long> end) {
    if (!consumer.assignment().containsAll(end.keySet())) {
      return false;
    }
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey(), WAIT) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static void awaitQuietly(Future<RecordMetadata> future) {
    try {
      future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      // Recorded by the callback; the test asserts on it.
    } catch (TimeoutException e) {
      throw new IllegalStateException("A send was not completed within " + WAIT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }

  private static void awaitCondition(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as(what + " within " + WAIT).isNegative();
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  private static int index(String value) {
    return Integer.parseInt(value.substring(2));
  }

  private static long millisSince(long nanoTime) {
    return Duration.ofNanos(System.nanoTime() - nanoTime).toMillis();
  }
}

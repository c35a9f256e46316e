package dev.chorus.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.internals.Exit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedKafkaExtension.class)
class EmbeddedKafkaRoundTripTest {

  private final EmbeddedKafka kafka;
  private final String bootstrapServers;

  EmbeddedKafkaRoundTripTest(EmbeddedKafka kafka, @BootstrapServers String bootstrapServers) {
    this.kafka = kafka;
    this.bootstrapServers = bootstrapServers;
  }

  @BeforeAll
  static void sameBrokerAsTheOtherTestClasses(EmbeddedKafka kafka,
      @BootstrapServers String bootstrapServers) {
    RunWideBroker.assertSameAsInOtherTestClasses(kafka, bootstrapServers);
  }

  @Test
  void brokerRunsOnALoopbackPortAndResolvesBothParameterKinds() {
    assertThat(kafka.isRunning()).isTrue();
    assertThat(bootstrapServers).isEqualTo(kafka.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
  }

  @Test
  void plainClientsRoundTripOneThousandRecordsOnAThreePartitionTopic() throws Exception {
    String topic = "round-trip";
    KafkaTopics.create(bootstrapServers, topic, 3);

    List<RecordMetadata> acks = Clients.produce(bootstrapServers, topic, 0, 1_000);
    List<ConsumerRecord<String, String>> received;
    try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrapServers, "round-trip")) {
      received = Clients.consume(consumer, topic, 1_000);
    }

    assertThat(received).hasSize(1_000);
    assertThat(received).extracting(ConsumerRecord::value).containsExactlyInAnyOrderElementsOf(
        IntStream.range(0, 1_000).mapToObj(i -> "value-" + i).toList());
    for (ConsumerRecord<String, String> record : received) {
      assertThat(record.value()).isEqualTo("value-" + record.key().substring("key-".length()));
    }
    // Each partition is read back in the order it was written, offsets 0..n-1 without gaps.
    Map<Integer, List<String>> written = new TreeMap<>();
    for (int i = 0; i < acks.size(); i++) {
      written.computeIfAbsent(acks.get(i).partition(), p -> new ArrayList<>()).add("value-" + i);
    }
    Map<Integer, List<String>> read = received.stream().collect(Collectors.groupingBy(
        ConsumerRecord::partition, TreeMap::new,
        Collectors.mapping(ConsumerRecord::value, Collectors.toList())));
    assertThat(read).isEqualTo(written);
    assertThat(read).containsOnlyKeys(0, 1, 2);
    for (int partition = 0; partition < 3; partition++) {
      int p = partition;
      assertThat(received.stream().filter(r -> r.partition() == p).map(ConsumerRecord::offset))
          .containsExactlyElementsOf(
              IntStream.range(0, written.get(p).size()).mapToObj(Long::valueOf).toList());
    }
    try (Admin admin = Clients.admin(bootstrapServers)) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("round-trip").partitionsToOffsetAndMetadata().get();
      assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum())
          .isEqualTo(1_000L);
    }
  }

  @Test
  void createdTopicHasTheRequestedPartitionsEachWithALeader() throws Exception {
    kafka.createTopic("five-partitions", 5);

    try (Admin admin = Clients.admin(bootstrapServers)) {
      TopicDescription description = admin.describeTopics(Set.of("five-partitions"))
          .allTopicNames().get().get("five-partitions");
      assertThat(description.partitions()).hasSize(5);
      assertThat(description.partitions())
          .allSatisfy(p -> assertThat(p.leader().id()).isEqualTo(1));
    }
  }

  @Test
  void creatingAnExistingTopicFailsWithTopicExists() {
    KafkaTopics.create(bootstrapServers, "twice", 1);

    assertThatThrownBy(() -> KafkaTopics.create(bootstrapServers, "twice", 1))
        .isInstanceOf(TopicExistsException.class)
        .hasMessageContaining("twice");
  }

  @Test
  void topicsNeedAtLeastOnePartition() {
    assertThatThrownBy(() -> KafkaTopics.create(bootstrapServers, "empty", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("partitions must be at least 1: 0 (topic 'empty')");
  }

  @Test
  void topicsAreNotCreatedAutomatically() throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      Future<RecordMetadata> sent = producer.send(new ProducerRecord<>("never-created", "k", "v"));

      assertThatThrownBy(() -> sent.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class)
          .hasMessageContaining("Topic never-created not present in metadata");
    }
    try (Admin admin = Clients.admin(bootstrapServers)) {
      assertThat(admin.listTopics().names().get()).doesNotContain("never-created");
    }
  }

  @Test
  void kafkaCannotHaltTheJvmWhileTheBrokerRuns() {
    assertThatThrownBy(() -> Exit.halt(1, "simulated fatal fault"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Kafka asked to halt the JVM with status 1 (simulated fatal fault)");
    assertThatThrownBy(() -> Exit.exit(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Kafka asked to exit the JVM with status 2;");
  }

  @Test
  void newBrokerSettingsCannotMoveItsListenersOrDirectories() {
    assertThatThrownBy(() -> EmbeddedKafka.start(Map.of("log.dirs", "/tmp/elsewhere")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("brokerProperties cannot set 'log.dirs': EmbeddedKafka chooses listeners, "
            + "ports, node id and directories itself");
  }
}

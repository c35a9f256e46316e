package dev.chorus.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Uses its own brokers: stopping the shared one would disturb the other test classes. */
class EmbeddedKafkaRestartTest {

  @Test
  void topicsRecordsAndCommittedOffsetsSurviveStopAndRestartOnTheSamePort() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      String bootstrapServers = kafka.bootstrapServers();
      kafka.createTopic("durable", 2);
      Clients.produce(bootstrapServers, "durable", 0, 50);
      try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrapServers, "g")) {
        assertThat(Clients.consume(consumer, "durable", 50)).hasSize(50);
      }

      kafka.stop();
      assertThat(kafka.isRunning()).isFalse();
      assertThat(kafka.dataDirectory()).isDirectory();
      kafka.stop(); // idempotent

      kafka.restart();
      assertThat(kafka.isRunning()).isTrue();
      assertThat(kafka.bootstrapServers()).isEqualTo(bootstrapServers);

      try (Admin admin = Clients.admin(bootstrapServers)) {
        assertThat(admin.describeTopics(Set.of("durable")).allTopicNames().get()
            .get("durable").partitions()).hasSize(2);
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata().get();
        assertThat(committed).containsOnlyKeys(
            new TopicPartition("durable", 0), new TopicPartition("durable", 1));
        assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum())
            .isEqualTo(50L);
      }
      Clients.produce(bootstrapServers, "durable", 50, 60);

      // The group resumes at its committed offsets: only the records written after the restart.
      try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrapServers, "g")) {
        assertThat(Clients.consume(consumer, "durable", 10)).extracting(ConsumerRecord::value)
            .containsExactlyInAnyOrderElementsOf(values(50, 60));
      }
      // The records written before the restart are still there.
      try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrapServers, "other")) {
        assertThat(Clients.consume(consumer, "durable", 60)).extracting(ConsumerRecord::value)
            .containsExactlyInAnyOrderElementsOf(values(0, 60));
      }
    }
  }

  @Test
  void closeStopsTheBrokerDeletesItsDataAndIsIdempotent() {
    EmbeddedKafka kafka = EmbeddedKafka.start();
    Path data = kafka.dataDirectory();
    assertThat(data.resolve("server.properties")).isRegularFile();

    kafka.close();

    assertThat(kafka.isRunning()).isFalse();
    assertThat(Files.exists(data)).isFalse();
    kafka.close();
    assertThat(Files.exists(data)).isFalse();
    assertThatThrownBy(kafka::restart)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot restart a closed EmbeddedKafka (" + kafka.bootstrapServers()
            + "): its data directory was deleted; start a new one with EmbeddedKafka.start()");
  }

  private static List<String> values(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "value-" + i).toList();
  }
}

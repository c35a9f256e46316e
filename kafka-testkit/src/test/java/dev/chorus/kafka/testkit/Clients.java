package dev.chorus.kafka.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain kafka-clients helpers for the tests: no Chorus code between the test and the broker. */
final class Clients {

  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private Clients() {}

  static KafkaProducer<String, String> producer(String bootstrapServers) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
        ProducerConfig.LINGER_MS_CONFIG, "5"),
        new StringSerializer(), new StringSerializer());
  }

  static KafkaConsumer<String, String> consumer(String bootstrapServers, String group) {
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.GROUP_ID_CONFIG, group,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
        new StringDeserializer(), new StringDeserializer());
  }

  static Admin admin(String bootstrapServers) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  /** Sends key-i/value-i for i in [from, to) and waits for every acknowledgement. */
  static List<RecordMetadata> produce(String bootstrapServers, String topic, int from, int to)
      throws ExecutionException, InterruptedException, TimeoutException {
    try (KafkaProducer<String, String> producer = producer(bootstrapServers)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = from; i < to; i++) {
        sent.add(producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i)));
      }
      List<RecordMetadata> acks = new ArrayList<>();
      for (Future<RecordMetadata> ack : sent) {
        acks.add(ack.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
      }
      return acks;
    }
  }

  /**
   * Polls until exactly {@code expected} records arrived (failing on more), committing after each
   * poll, then polls once more briefly to catch any surplus.
   */
  static List<ConsumerRecord<String, String>> consume(KafkaConsumer<String, String> consumer,
      String topic, int expected) {
    consumer.subscribe(Set.of(topic));
    List<ConsumerRecord<String, String>> received = new ArrayList<>();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (received.size() < expected) {
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError("Received " + received.size() + " of " + expected
            + " records from " + topic + " within " + TIMEOUT);
      }
      consumer.poll(Duration.ofMillis(100)).forEach(received::add);
      consumer.commitSync();
    }
    consumer.poll(Duration.ofMillis(200)).forEach(received::add);
    consumer.commitSync();
    return received;
  }
}

package dev.chorus.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.chorus.ChorusException;
import dev.chorus.DeadLetter;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventBuses;
import dev.chorus.EventKey;
import dev.chorus.EventMetadata;
import dev.chorus.EventType;
import dev.chorus.PublishException;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.kafka.testkit.EmbeddedKafka;
import dev.chorus.kafka.testkit.EmbeddedKafkaExtension;
import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.Transport;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Kafka-specific behaviour of {@link KafkaTransport}, on a real broker. */
@ExtendWith(EmbeddedKafkaExtension.class)
class KafkaTransportTest {

  /** An order event. */
  @EventType(value = "kafka-test.order-placed", topic = "kafka-test.orders")
  public record OrderPlaced(@EventKey String orderId, int seq, String run) {}

  /** Set by {@link Canary}'s static initialiser: it must never run. */
  static final AtomicBoolean CANARY_RAN = new AtomicBoolean();

  /** A class whose name a hostile record puts in ce_type. */
  static final class Canary {
    static {
      CANARY_RAN.set(true);
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final EmbeddedKafka kafka;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  KafkaTransportTest(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  private KafkaTransport transport() {
    KafkaTransport transport = KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers()).build();
    closeables.add(transport);
    return transport;
  }

  private EventBus bus(String source) {
    EventBus bus = EventBus.builder().transport(transport()).closeTransport(false).source(source).build();
    closeables.add(bus);
    return bus;
  }

  @Test
  void subscriptionsJoiningAndLeavingAGroupWhilePublishingLoseAndDuplicateNothing() {
    String group = "rebalance-" + run;
    Map<Integer, Integer> handled = new ConcurrentHashMap<>();
    EventBus publisher = bus("publisher");
    EventBus first = bus("first");
    first.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST)
        .handle((event, ctx) -> record(handled, event));
    publish(publisher, 0, 500);

    EventBus second = bus("second");
    Subscription joining = second.subscribe(OrderPlaced.class).group(group).startFrom(StartPosition.EARLIEST)
        .handle((event, ctx) -> record(handled, event));
    publish(publisher, 500, 1_000);
    awaitUntil(() -> handled.size() >= 1_000, "1,000 events handled by two members");

    joining.close();
    publish(publisher, 1_000, 1_500);
    assertThat(first.awaitIdle(TIMEOUT)).isTrue();

    assertThat(handled).hasSize(1_500);
    assertThat(handled.values()).as("times each event was handled").containsOnly(1);
  }

  @Test
  void aBackoffLongerThanMaxPollIntervalDoesNotCostTheMemberItsPartitions() {
    KafkaTransport transport = KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers())
        .property("max.poll.interval.ms", 1_000).build();
    closeables.add(transport);
    EventBus bus = EventBus.builder().transport(transport).closeTransport(false).build();
    closeables.add(bus);
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    List<Integer> handled = new CopyOnWriteArrayList<>();
    bus.subscribe(OrderPlaced.class).group("backoff-" + run).retry(RetryPolicy.fixed(2, Duration.ofMillis(3_000)))
        .handle((event, ctx) -> {
          if (!event.run().equals(run)) {
            return;
          }
          if (event.seq() == 0) {
            attempts.add(ctx.attempt());
            if (ctx.attempt() == 1) {
              throw new IllegalStateException("try again in 3 s");
            }
          }
          handled.add(event.seq());
        });
    for (int seq = 0; seq < 20; seq++) {
      bus.publish(new OrderPlaced("order-" + (seq % 4), seq, run)).join();
    }
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    // A rebalance while the retry waited would have abandoned it: attempt 1 would come again.
    assertThat(attempts).containsExactly(1, 2);
    assertThat(handled).hasSize(20).doesNotHaveDuplicates();
  }

  @Test
  void aConsumerPollsAtMostOneHundredRecordsUnlessAPropertySaysOtherwise() {
    KafkaTransport transport = transport();
    String topic = "kafka-test.poll-size-" + run;
    List<CompletableFuture<?>> sent = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      sent.add(transport.send(new dev.chorus.spi.OutgoingRecord(topic, "k", ("v" + i).getBytes(UTF_8), Map.of())));
    }
    sent.forEach(CompletableFuture::join);
    KafkaTransport seven = KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers())
        .property(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "7").build();
    closeables.add(seven);

    assertThat(pollSizes(transport, topic, "poll-size-" + run, 100)).containsExactly(100, 100, 100);
    List<Integer> sevens = new ArrayList<>(Collections.nCopies(42, 7));
    sevens.add(6);
    assertThat(pollSizes(seven, topic, "poll-size-seven-" + run, 7)).containsExactlyElementsOf(sevens);
  }

  /**
   * The sizes of the non-empty polls of a new group that reads the topic's 300 records from the
   * start, after checking that its consumer reports {@code maxPollRecords} as its limit.
   */
  private List<Integer> pollSizes(Transport transport, String topic, String group, int maxPollRecords) {
    List<Integer> sizes = new ArrayList<>();
    TransportConsumer consumer = transport.consumer(group, List.of(topic), StartPosition.EARLIEST, ignoringRebalance());
    closeables.add(consumer);
    assertThat(consumer.maxPollRecords()).as("the limit the consumer reports").isEqualTo(maxPollRecords);
    awaitUntil(() -> {
      int size = consumer.poll(Duration.ofMillis(100)).size();
      if (size > 0) {
        sizes.add(size);
      }
      return sizes.stream().mapToInt(Integer::intValue).sum() >= 300;
    }, "300 records read by " + group);
    return sizes;
  }

  @Test
  void aConsumerClosedWithoutCommittingRedeliversOnlyWhatWasNotCommitted() {
    Transport transport = transport();
    String topic = "kafka-test.unclean-" + run;
    String group = "unclean-" + run;
    EventBus publisher = EventBus.builder().transport(transport).closeTransport(false).build();
    closeables.add(publisher);
    for (int i = 0; i < 100; i++) {
      transport.send(new dev.chorus.spi.OutgoingRecord(topic, "k", ("v" + i).getBytes(UTF_8), Map.of())).join();
    }

    List<TransportRecord> firstRead = new ArrayList<>();
    TransportConsumer first = transport.consumer(group, List.of(topic), StartPosition.EARLIEST, ignoringRebalance());
    awaitUntil(() -> {
      firstRead.addAll(first.poll(Duration.ofMillis(100)));
      return firstRead.size() >= 100;
    }, "100 records read");
    TransportRecord sixtieth = firstRead.get(59);
    first.commit(Map.of(sixtieth.topicPartition(), sixtieth.offset() + 1));
    first.close(); // without committing the other 40

    List<TransportRecord> secondRead = new ArrayList<>();
    TransportConsumer second = transport.consumer(group, List.of(topic), StartPosition.EARLIEST, ignoringRebalance());
    closeables.add(second);
    awaitUntil(() -> {
      secondRead.addAll(second.poll(Duration.ofMillis(100)));
      return secondRead.size() >= 40;
    }, "the 40 uncommitted records read again");
    assertThat(second.poll(Duration.ofMillis(500))).isEmpty();
    assertThat(secondRead).extracting(record -> new String(record.value(), UTF_8))
        .containsExactlyElementsOf(range(60, 100).stream().map(i -> "v" + i).toList());
  }

  @Test
  void deadLettersDecodeToTheSameDeadLetterAsInMemoryAndCarrySpringKafkaHeaders() throws Exception {
    String group = "dlt-" + run;
    DeadLetter onKafka = failOnce(transport(), group);
    DeadLetter inMemory = failOnce(InMemoryTransport.create(), group);

    // The engine's frames below the handler depend on the thread that ran it (the poll thread or a
    // handler thread, with concurrency(1)); the exception and the handler's frame do not.
    assertThat(onKafka.failure()).usingRecursiveComparison().ignoringFields("stackTrace")
        .isEqualTo(inMemory.failure());
    assertThat(onKafka.failure().stackTrace().lines().limit(2).toList())
        .isEqualTo(inMemory.failure().stackTrace().lines().limit(2).toList())
        .first().isEqualTo("java.lang.IllegalStateException: payment provider down");
    assertThat(onKafka.payload()).isEqualTo(inMemory.payload());
    assertThat(onKafka.group()).isEqualTo(inMemory.group());
    assertThat(onKafka.topic()).isEqualTo(inMemory.topic());
    assertThat(onKafka.partition()).as("same key, same partition count, same partition").isEqualTo(inMemory.partition());
    assertThat(onKafka.metadata()).usingRecursiveComparison().ignoringFields("id", "correlationId")
        .isEqualTo(inMemory.metadata());
    assertThat(onKafka.failure().reason()).isEqualTo(DeadLetter.Reason.HANDLER_FAILED);
    assertThat(onKafka.failure().attempts()).isEqualTo(2);

    // Read the dead-letter topic with plain kafka-clients, as Spring tooling would.
    Map<String, byte[]> headers = new HashMap<>();
    ConsumerRecord<String, byte[]> record = readOne("kafka-test.orders." + group + ".dlt");
    for (Header header : record.headers()) {
      headers.put(header.key(), header.value());
    }
    assertThat(record.key()).isEqualTo("order-dlt");
    assertThat(new String(headers.get("kafka_dlt-original-topic"), UTF_8)).isEqualTo("kafka-test.orders");
    assertThat(headers.get("kafka_dlt-original-partition")).hasSize(4);
    assertThat(ByteBuffer.wrap(headers.get("kafka_dlt-original-partition")).getInt()).isEqualTo(onKafka.partition());
    assertThat(ByteBuffer.wrap(headers.get("kafka_dlt-original-offset")).getLong()).isEqualTo(onKafka.offset());
    assertThat(headers.get("kafka_dlt-original-timestamp")).hasSize(8);
    assertThat(new String(headers.get("kafka_dlt-original-consumer-group"), UTF_8)).isEqualTo(group);
    assertThat(new String(headers.get("kafka_dlt-exception-fqcn"), UTF_8)).isEqualTo(IllegalStateException.class.getName());
    assertThat(new String(headers.get("kafka_dlt-exception-message"), UTF_8)).isEqualTo("payment provider down");
    assertThat(new String(headers.get("chorus-dlt-reason"), UTF_8)).isEqualTo("HANDLER_FAILED");
    assertThat(new String(headers.get("chorus-dlt-attempts"), UTF_8)).isEqualTo("2");
    assertThat(new String(headers.get("ce_type"), UTF_8)).isEqualTo("kafka-test.order-placed");
    assertThat(DeadLetter.from(record.key(), record.value(), headers)).isEqualTo(onKafka);
  }

  private DeadLetter failOnce(Transport transport, String group) {
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    EventBus bus = EventBus.builder().transport(transport).closeTransport(transport instanceof InMemoryTransport)
        .source("comparison").clock(VirtualClock.autoAdvancing()).listener(new EventBusListener() {
          @Override
          public void onDeadLettered(DeadLetter deadLetter, String topic) {
            letters.add(deadLetter);
          }
        }).build();
    closeables.add(bus);
    bus.subscribe(OrderPlaced.class).group(group).retry(RetryPolicy.fixed(2, Duration.ofSeconds(3)))
        .handle((event, ctx) -> {
          if (event.run().equals(run)) {
            throw new IllegalStateException("payment provider down");
          }
        });
    bus.publish(new OrderPlaced("order-dlt", 1, run), dev.chorus.PublishOptions.defaults().header("tenant", "acme"))
        .join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(letters).hasSize(1);
    return letters.get(0);
  }

  @Test
  void aRecordWrittenByAPlainProducerWithCloudEventsHeadersIsHandledAsATypedEvent() throws Exception {
    String group = "plain-" + run;
    List<EventMetadata> metadata = new CopyOnWriteArrayList<>();
    List<OrderPlaced> events = new CopyOnWriteArrayList<>();
    EventBus bus = bus("consumer");
    bus.subscribe(OrderPlaced.class).group(group).handle((event, ctx) -> {
      if (event.run().equals(run)) {
        events.add(event);
        metadata.add(ctx.metadata());
      }
    });
    try (KafkaProducer<String, String> producer = plainProducer()) {
      ProducerRecord<String, String> record = new ProducerRecord<>("kafka-test.orders", "o-77",
          "{\"orderId\":\"o-77\",\"seq\":77,\"run\":\"" + run + "\"}");
      record.headers().add("ce_specversion", "1.0".getBytes(UTF_8))
          .add("ce_id", "legacy-1".getBytes(UTF_8))
          .add("ce_source", "legacy-service".getBytes(UTF_8))
          .add("ce_type", "kafka-test.order-placed".getBytes(UTF_8))
          .add("ce_time", "2026-03-01T10:15:30Z".getBytes(UTF_8))
          .add("content-type", "application/json".getBytes(UTF_8))
          .add("region", "eu".getBytes(UTF_8));
      producer.send(record).get();
    }
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(events).containsExactly(new OrderPlaced("o-77", 77, run));
    assertThat(metadata).singleElement().satisfies(m -> {
      assertThat(m.id()).isEqualTo("legacy-1");
      assertThat(m.source()).isEqualTo("legacy-service");
      assertThat(m.time()).isEqualTo(java.time.Instant.parse("2026-03-01T10:15:30Z"));
      assertThat(m.key()).isEqualTo("o-77");
      assertThat(m.correlationId()).as("a record without ce_correlationid starts its own chain").isEqualTo("legacy-1");
      assertThat(m.causationId()).isNull();
      assertThat(m.headers()).containsExactly(Map.entry("region", "eu"));
    });
  }

  @Test
  void aTypeHeaderNamingAJdkOrAnyOtherClassLoadsNothingAndIsSkipped() throws Exception {
    String group = "hostile-" + run;
    List<String> skipped = new CopyOnWriteArrayList<>();
    List<Integer> handled = new CopyOnWriteArrayList<>();
    EventBus bus = EventBus.builder().transport(transport()).closeTransport(false).listener(new EventBusListener() {
      @Override
      public void onSkipped(EventMetadata metadata, String g, String reason) {
        skipped.add(metadata.type());
      }
    }).build();
    closeables.add(bus);
    bus.subscribe(OrderPlaced.class).group(group).handle((event, ctx) -> {
      if (event.run().equals(run)) {
        handled.add(event.seq());
      }
    });
    bus.publish(new OrderPlaced("o-h", 1, run)).join();
    try (KafkaProducer<String, String> producer = plainProducer()) {
      for (String type : List.of("java.lang.ProcessBuilder", Canary.class.getName(), "kafka-test.order-placed.v2")) {
        ProducerRecord<String, String> record = new ProducerRecord<>("kafka-test.orders", "o-h",
            "{\"command\":[\"touch\",\"/tmp/pwned\"],\"run\":\"" + run + "\"}");
        record.headers().add("ce_specversion", "1.0".getBytes(UTF_8)).add("ce_id", UUID.randomUUID().toString()
            .getBytes(UTF_8)).add("ce_source", "attacker".getBytes(UTF_8)).add("ce_type", type.getBytes(UTF_8))
            .add("ce_time", "2026-03-01T10:15:30Z".getBytes(UTF_8));
        producer.send(record).get();
      }
    }
    bus.publish(new OrderPlaced("o-h", 2, run)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(handled).containsExactly(1, 2);
    assertThat(skipped).containsExactly("java.lang.ProcessBuilder", Canary.class.getName(), "kafka-test.order-placed.v2");
    assertThat(CANARY_RAN).as("the static initialiser of the class named on the wire ran").isFalse();
  }

  @Test
  void aRecordTooLargeForTheProducerOrForTheTopicFailsWithRecordTooLargeException() {
    String topic = "kafka-test.large-" + run;
    KafkaTransport producerLimited = transport();
    KafkaTransport brokerLimited = KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers())
        .property("max.request.size", 4 * 1024 * 1024).build();
    closeables.add(brokerLimited);
    // Over the producer's default max.request.size (1 MiB), and over the broker's default
    // max.message.bytes for the topic Chorus creates, which a producer allowed 4 MiB runs into.
    byte[] value = new byte[1536 * 1024];

    for (KafkaTransport transport : List.of(producerLimited, brokerLimited)) {
      assertThatThrownBy(() -> transport.send(new dev.chorus.spi.OutgoingRecord(topic, "k", value, Map.of())).get())
          .isInstanceOf(ExecutionException.class).cause().isInstanceOf(dev.chorus.spi.RecordTooLargeException.class)
          .hasMessageStartingWith("Kafka did not accept a record for " + topic + ": ")
          .satisfies(e -> assertThat(((PublishException) e).topic()).isEqualTo(topic))
          .cause().isInstanceOf(org.apache.kafka.common.errors.RecordTooLargeException.class);
    }
    assertThatThrownBy(() -> transport().send(new dev.chorus.spi.OutgoingRecord("kafka-test.absent/" + run, "k",
        new byte[1], Map.of())).get()).cause().isInstanceOf(PublishException.class)
        .isNotInstanceOf(dev.chorus.spi.RecordTooLargeException.class);
  }

  @Test
  void sendWithACallbackTellsItOnceOfThePositionOrOfTheFailure() throws Exception {
    String topic = "kafka-test.callback-" + run;
    KafkaTransport transport = transport();
    List<String> calls = new CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch told = new java.util.concurrent.CountDownLatch(3);

    for (int i = 0; i < 2; i++) {
      transport.send(new dev.chorus.spi.OutgoingRecord(topic, "k", ("v" + i).getBytes(UTF_8), Map.of()),
          (position, error) -> {
            calls.add(error == null ? position.topic() + "-" + position.partition() + "@" + position.offset()
                : "failed: " + error);
            told.countDown();
          });
    }
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    transport.send(new dev.chorus.spi.OutgoingRecord(topic, "k", new byte[1536 * 1024], Map.of()),
        (position, error) -> {
          calls.add(position == null ? "too large" : "stored " + position);
          failures.add(error);
          told.countDown();
        });

    assertThat(told.await(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    int partition = transport.send(new dev.chorus.spi.OutgoingRecord(topic, "k", new byte[1], Map.of())).join()
        .partition();
    assertThat(calls).containsExactlyInAnyOrder(topic + "-" + partition + "@0", topic + "-" + partition + "@1",
        "too large");
    assertThat(calls.indexOf(topic + "-" + partition + "@0")).isLessThan(calls.indexOf(topic + "-" + partition + "@1"));
    assertThat(failures).singleElement().isInstanceOf(dev.chorus.spi.RecordTooLargeException.class);

    transport.close();
    List<Throwable> afterClose = new CopyOnWriteArrayList<>();
    transport.send(new dev.chorus.spi.OutgoingRecord(topic, "k", new byte[1], Map.of()),
        (position, error) -> afterClose.add(error));
    assertThat(afterClose).hasSize(1);
    assertThat(afterClose.get(0)).isInstanceOf(IllegalStateException.class).hasMessage("the Kafka transport is closed");
  }

  @Test
  void withTopicCreationOffAMissingTopicIsAnErrorThatNamesIt() {
    KafkaTransport transport = KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers())
        .createTopics(false).build();
    closeables.add(transport);
    String topic = "kafka-test.absent-" + run;

    assertThatThrownBy(() -> transport.send(new dev.chorus.spi.OutgoingRecord(topic, null, new byte[0], Map.of()))
        .get()).isInstanceOf(ExecutionException.class).cause().isInstanceOf(PublishException.class)
        .hasMessageContaining("topic '" + topic + "' does not exist");
    assertThatThrownBy(() -> transport.consumer("g-" + run, List.of(topic), StartPosition.EARLIEST,
        ignoringRebalance())).isInstanceOf(ChorusException.class).hasMessageContaining("topic '" + topic + "'");
  }

  @Test
  void fromConfigBuildsAKafkaBusFromChorusKafkaProperties() {
    EventBus bus = EventBuses.fromConfig(Map.of("chorus.transport", "kafka", "chorus.source", "configured",
        "chorus.kafka.bootstrap.servers", kafka.bootstrapServers(), "chorus.kafka.linger.ms", "1",
        "chorus.topics.partitions", "2"));
    closeables.add(bus);
    List<String> sources = new CopyOnWriteArrayList<>();
    bus.subscribe(OrderPlaced.class).group("config-" + run).handle((event, ctx) -> {
      if (event.run().equals(run)) {
        sources.add(ctx.metadata().source());
      }
    });
    bus.publish(new OrderPlaced("o-c", 1, run)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(sources).containsExactly("configured");

    assertThatIllegalArgumentException().isThrownBy(() -> KafkaTransport.builder().property("enable.auto.commit", "true"))
        .withMessage("property enable.auto.commit is set by Chorus and cannot be overridden");
    assertThatIllegalArgumentException().isThrownBy(() -> EventBuses.fromConfig(Map.of("chorus.transport", "kafka")))
        .withMessageContaining("chorus.kafka.bootstrap.servers is required");
  }

  private void publish(EventBus publisher, int from, int to) {
    for (int seq = from; seq < to; seq++) {
      publisher.publish(new OrderPlaced("order-" + (seq % 16), seq, run));
    }
  }

  private void record(Map<Integer, Integer> handled, OrderPlaced event) {
    if (event.run().equals(run)) {
      handled.merge(event.seq(), 1, Integer::sum);
    }
  }

  private KafkaProducer<String, String> plainProducer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
  }

  private ConsumerRecord<String, byte[]> readOne(String topic) {
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "reader-" + run, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
      consumer.subscribe(List.of(topic));
      List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
      awaitUntil(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        return !records.isEmpty();
      }, "a record on " + topic);
      assertThat(records).hasSize(1);
      return records.get(0);
    }
  }

  private static RebalanceListener ignoringRebalance() {
    return new RebalanceListener() {
      @Override
      public void onRevoked(Collection<TopicPartition> partitions) {}

      @Override
      public void onAssigned(Map<TopicPartition, Long> positions) {}
    };
  }

  private static void awaitUntil(BooleanSupplier condition, String description) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after %s waiting for %s", TIMEOUT, description);
      }
      LockSupport.parkNanos(2_000_000); // poll the condition; no assumption about how long anything takes
    }
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> list = new ArrayList<>();
    for (int i = from; i < to; i++) {
      list.add(i);
    }
    return list;
  }

}

package dev.chorus.reliability;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.DeadLetter;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventKey;
import dev.chorus.EventMetadata;
import dev.chorus.EventType;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.kafka.KafkaTransport;
import dev.chorus.kafka.testkit.EmbeddedKafka;
import dev.chorus.kafka.testkit.KafkaTopics;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Records no honest publisher writes, sent with a plain {@link KafkaProducer} onto a subscribed
 * topic of a real broker between valid events of the same key: each is dead-lettered (the dead
 * letter keeps the original key, value and headers) or skipped exactly as documented, the valid
 * events around it are handled in order, nothing is loaded, overflowed or exhausted, and the
 * group's committed offset reaches the end of the partition.
 */
class HostileInputOnKafkaTest {

  /** The subscribed event. */
  @EventType(value = "hostile.order", topic = "hostile.orders")
  public record Order(@EventKey String id, int seq) {}

  /** The subscribed event of the flood test, on its own topic. */
  @EventType(value = "flood.order", topic = "flood.orders")
  public record FloodOrder(@EventKey String id, int seq) {}

  /** Set by {@link Canary}'s static initialiser, which must never run. */
  static final AtomicBoolean CANARY_RAN = new AtomicBoolean();

  /** A class a hostile ce_type names. */
  static final class Canary {
    static {
      CANARY_RAN.set(true);
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String TOPIC = "hostile.orders";
  private static final String GROUP = "guarded";
  private static final String DEAD_LETTER_TOPIC = TOPIC + "." + GROUP + ".dlt";
  private static final String KEY = "k";
  private static final int MIB = 1024 * 1024;
  /** Room for the 1 MiB header, the record around it and, on the dead-letter topic, the failure headers. */
  private static final int LARGE_RECORDS = 4 * MIB;
  private static final String MALFORMED = "dev.chorus.internal.WireFormat$MalformedRecordException";
  private static final String UNDECODABLE_PAYLOAD = "dev.chorus.ChorusException";

  private static EmbeddedKafka kafka;

  private final List<Integer> handled = new CopyOnWriteArrayList<>();
  private final Map<Integer, Map<String, String>> handledHeaders = new ConcurrentHashMap<>();
  private final Map<Long, DeadLetter> deadLetters = new ConcurrentHashMap<>();
  private final List<String> deadLetterTopics = new CopyOnWriteArrayList<>();
  private final List<String> skipped = new CopyOnWriteArrayList<>();
  private final AtomicInteger skippedCount = new AtomicInteger();
  private final List<String> otherOutcomes = new CopyOnWriteArrayList<>();
  private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
  private Thread.UncaughtExceptionHandler previousHandler;
  private EventBus bus;
  private Admin admin;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @BeforeEach
  void setUp() {
    previousHandler = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, error) -> uncaught.add(error));
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    KafkaTransport transport = KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers()).partitions(1)
        .build();
    bus = EventBus.builder().transport(transport).source("honest-service").listener(new EventBusListener() {
      @Override
      public void onDeadLettered(DeadLetter deadLetter, String topic) {
        deadLetters.put(deadLetter.offset(), deadLetter);
        deadLetterTopics.add(topic);
      }

      @Override
      public void onSkipped(EventMetadata metadata, String group, String reason) {
        if (skippedCount.incrementAndGet() <= 100) {
          skipped.add(metadata.id() + ": " + reason);
        }
      }

      @Override
      public void onDiscarded(DeadLetter deadLetter) {
        otherOutcomes.add("discarded " + deadLetter);
      }

      @Override
      public void onSubscriptionFailed(DeadLetter deadLetter) {
        otherOutcomes.add("subscription failed " + deadLetter);
      }

      @Override
      public void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable cause) {
        otherOutcomes.add("retry of " + metadata.id() + ": " + cause);
      }
    }).build();
  }

  @AfterEach
  void tearDown() {
    try {
      bus.close();
      admin.close();
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(previousHandler);
    }
  }

  // ---------------------------------------------------------------- every hostile input

  @Test
  void everyHostileRecordIsDeadLetteredOrSkippedAndTheValidEventsAroundItAreHandledInOrder() throws Exception {
    createTopic(TOPIC);
    Subscription subscription = bus.subscribe(Order.class).group(GROUP).startFrom(StartPosition.EARLIEST)
        .handle((order, ctx) -> {
          handled.add(order.seq());
          handledHeaders.put(order.seq(), ctx.metadata().headers());
        });

    List<Hostile> cases = hostileRecords();
    List<Integer> expectedHandled = new ArrayList<>();
    Map<Long, Hostile> sent = new LinkedHashMap<>();
    int seq = 0;
    try (KafkaProducer<byte[], byte[]> producer = plainProducer()) {
      for (Hostile hostile : cases) {
        valid(seq);
        expectedHandled.add(seq++);
        if (hostile.outcome == Outcome.HANDLED) {
          hostile.value = ("{\"id\":\"k\",\"seq\":" + seq + "}").getBytes(UTF_8);
          hostile.handledSeq = seq;
          expectedHandled.add(seq++);
        }
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(TOPIC, 0, hostile.key, hostile.value,
            hostile.headers);
        sent.put(producer.send(record).get().offset(), hostile);
      }
      valid(seq);
      expectedHandled.add(seq);
    }

    assertThat(bus.awaitIdle(TIMEOUT)).as("idle within %s", TIMEOUT).isTrue();

    // A keyless event has no ordering promise: it need not wait behind key k's dead-letter writes.
    int keyless = handledCase(cases, "a valid event without a key");
    assertThat(handled).as("valid events").containsExactlyInAnyOrderElementsOf(expectedHandled);
    assertThat(handled.stream().filter(n -> n != keyless)).as("valid events of key k, in order")
        .containsExactlyElementsOf(expectedHandled.stream().filter(n -> n != keyless).toList());
    assertThat(otherOutcomes).as("retries, discards, failed subscriptions").isEmpty();
    assertThat(skipped).as("skipped records (id: reason), in order").containsExactlyElementsOf(sent.values().stream()
        .filter(hostile -> hostile.outcome == Outcome.SKIPPED).map(hostile -> hostile.id + ": " + hostile.detail)
        .toList());

    Map<Long, Hostile> expectedDeadLetters = new LinkedHashMap<>();
    sent.forEach((offset, hostile) -> {
      if (hostile.outcome == Outcome.DEAD_LETTERED) {
        expectedDeadLetters.put(offset, hostile);
      }
    });
    assertThat(deadLetters.keySet()).as("offsets dead-lettered").containsExactlyInAnyOrderElementsOf(
        expectedDeadLetters.keySet());
    assertThat(deadLetterTopics).containsOnly(DEAD_LETTER_TOPIC);
    expectedDeadLetters.forEach((offset, hostile) -> {
      DeadLetter letter = deadLetters.get(offset);
      assertThat(letter.failure().reason()).as(hostile.name).isEqualTo(DeadLetter.Reason.UNDECODABLE);
      assertThat(letter.failure().attempts()).as(hostile.name).isZero();
      assertThat(letter.failure().exceptionClass()).as(hostile.name).isEqualTo(hostile.exceptionClass);
      assertThat(letter.failure().message()).as(hostile.name).startsWith(hostile.detail).hasSizeLessThanOrEqualTo(
          8 * 1024);
      assertThat(letter.group()).isEqualTo(GROUP);
      assertThat(letter.topic()).isEqualTo(TOPIC);
      assertThat(letter.partition()).isZero();
    });

    // The dead-letter topic, read with a plain consumer: exactly these records, each replayable.
    List<ConsumerRecord<byte[], byte[]>> written = readAll(DEAD_LETTER_TOPIC);
    assertThat(written).hasSize(expectedDeadLetters.size());
    for (ConsumerRecord<byte[], byte[]> record : written) {
      long originalOffset = ByteBuffer.wrap(record.headers().lastHeader("kafka_dlt-original-offset").value())
          .getLong();
      Hostile hostile = expectedDeadLetters.get(originalOffset);
      assertThat(hostile).as("dead letter of offset %s", originalOffset).isNotNull();
      assertThat(record.key()).as(hostile.name).isEqualTo(hostile.key);
      byte[] original = hostile.value == null ? new byte[0] : hostile.value;
      assertThat(record.value()).as(hostile.name).isEqualTo(hostile.leftOut != null
          && hostile.leftOut.contains("original value") ? new byte[0] : original);
      assertThat(originalHeaders(record)).as("original headers of " + hostile.name)
          .containsExactlyElementsOf(expectedOriginalHeaders(hostile));
      assertThat(record.headers().lastHeader("chorus-dlt-left-out")).as(hostile.name).satisfies(leftOut -> {
        if (hostile.leftOut == null) {
          assertThat(leftOut).isNull();
        } else {
          assertThat(new String(leftOut.value(), UTF_8)).isEqualTo(hostile.leftOut
              + ": the whole dead letter was too large for " + DEAD_LETTER_TOPIC);
        }
      });
      assertThat(text(record, "kafka_dlt-original-topic")).isEqualTo(TOPIC);
      assertThat(ByteBuffer.wrap(record.headers().lastHeader("kafka_dlt-original-partition").value()).getInt())
          .isZero();
      assertThat(text(record, "kafka_dlt-original-consumer-group")).isEqualTo(GROUP);
      assertThat(text(record, "kafka_dlt-exception-fqcn")).isEqualTo(hostile.exceptionClass);
      assertThat(text(record, "chorus-dlt-reason")).isEqualTo("UNDECODABLE");
      assertThat(text(record, "chorus-dlt-attempts")).isEqualTo("0");
      assertThat(record.headers().headers("kafka_dlt-original-topic")).as("forged headers replaced").hasSize(1);
      assertThat(record.headers().headers("chorus-dlt-reason")).as("forged headers replaced").hasSize(1);
      DeadLetter read = DeadLetter.from(record.key() == null ? null : new String(record.key(), UTF_8), record.value(),
          headerMap(record));
      if (hostile.leftOut == null) {
        assertThat(read).as(hostile.name).isEqualTo(deadLetters.get(originalOffset));
      } else {
        assertThat(read.failure()).as(hostile.name).isEqualTo(deadLetters.get(originalOffset).failure());
        assertThat(read.offset()).isEqualTo(originalOffset);
      }
    }

    assertThat(handledHeaders.get(handledCase(cases, "forged dead-letter headers on a valid event")))
        .as("user headers of the valid event with forged dead-letter headers").containsExactly(Map.entry("tenant", "acme"));
    assertThat(handledHeaders.get(handledCase(cases, "a user header with a null value")))
        .as("a null header value is read as empty").containsExactly(Map.entry("note", ""));
    assertThat(CANARY_RAN).as("the static initialiser of the class named on the wire ran").isFalse();
    assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
    assertThat(uncaught).as("errors that escaped a thread").isEmpty();
    assertThat(committed(TOPIC)).as("committed offset").isEqualTo(endOffset(TOPIC));
  }

  private static int handledCase(List<Hostile> cases, String name) {
    return cases.stream().filter(c -> c.name.equals(name)).findFirst().orElseThrow().handledSeq;
  }

  private List<Hostile> hostileRecords() {
    List<Hostile> cases = new ArrayList<>();
    // The payload: the envelope is valid, the bytes do not decode into an Order.
    cases.add(undecodable("invalid JSON", "not json at all", "Unrecognized token 'not'"));
    cases.add(undecodable("truncated JSON", "{\"id\":\"k\",\"se", "Unexpected end-of-input in field name"));
    cases.add(undecodable("truncated UTF-8", bytes("{\"id\":\"k\",\"seq\":1,\"note\":\"", 0xE2, 0x82),
        "Unexpected end-of-input in VALUE_STRING"));
    cases.add(undecodable("invalid UTF-8", bytes("{\"id\":\"k", 0xC3, 0x28, '"', ',', '"', 's', 'e', 'q', '"', ':', '1',
        '}'), "Invalid UTF-8 middle byte 0x28"));
    byte[] random = new byte[4096];
    new Random(42).nextBytes(random);
    random[0] = (byte) 0xFF;
    cases.add(undecodable("random binary", random, "Invalid UTF-8 start byte 0xff"));
    cases.add(undecodable("tombstone (null value)", (byte[]) null, "No content to map due to end-of-input"));
    cases.add(deadLettered("JSON null", "null".getBytes(UTF_8), h -> {}, UNDECODABLE_PAYLOAD,
        "payload is JSON null, not a " + Order.class.getName()));
    // Unknown properties are skipped unread by the mapper: the parser's depth limit still applies.
    cases.add(undecodable("arrays nested 10,000 deep", "{\"id\":\"k\",\"seq\":1,\"extra\":" + "[".repeat(10_000)
        + "]".repeat(10_000) + "}", "Document nesting depth (257) exceeds the maximum allowed (256"));
    cases.add(undecodable("objects nested 10,000 deep", "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000),
        "Document nesting depth (257) exceeds the maximum allowed (256"));
    cases.add(undecodable("2,000-digit number", "{\"id\":\"k\",\"seq\":" + "9".repeat(2_000) + "}",
        "Number value length (2000) exceeds the maximum allowed (1000"));
    cases.add(undecodable("int overflow", "{\"id\":\"k\",\"seq\":99999999999}",
        "Numeric value (99999999999) out of range of int"));
    cases.add(undecodable("two JSON documents", "{\"id\":\"k\",\"seq\":1}{\"id\":\"k\",\"seq\":2}",
        "Trailing token (of type START_OBJECT) found after value"));
    cases.add(undecodable("invalid JSON without a key", "not json", "Unrecognized token 'not'").withKey(null));
    // Jackson quotes a string given for an object whole in its message: Chorus keeps 2,000 characters of it.
    cases.add(undecodable("a 200 KiB JSON string", "\"" + "x".repeat(200 * 1024) + "\"",
        "Cannot construct instance of `" + Order.class.getName() + "`"));
    // Fits the topic (4 MiB) but not Chorus's producer (1 MiB) as a dead letter: written without the value.
    byte[] threeMib = ("\"" + "x".repeat(3 * MIB) + "\"").getBytes(UTF_8);
    cases.add(undecodable("a 3 MiB JSON string", threeMib, "Cannot construct instance of `" + Order.class.getName() + "`")
        .leavingOut("the original value of " + threeMib.length + " bytes"));

    // The envelope.
    cases.add(malformed("missing ce_id", h -> remove(h, "ce_id"),
        "required header ce_id is missing or empty"));
    cases.add(malformed("ce_id with a null value", h -> set(h, "ce_id", null),
        "required header ce_id is missing or empty"));
    cases.add(malformed("600-byte ce_id", h -> set(h, "ce_id", "i".repeat(600)),
        "header ce_id has 600 bytes, more than 512"));
    cases.add(malformed("missing ce_type", h -> remove(h, "ce_type"),
        "required header ce_type is missing, empty or too long"));
    cases.add(malformed("empty ce_type", h -> set(h, "ce_type", ""),
        "required header ce_type is missing, empty or too long"));
    cases.add(malformed("64 KiB ce_type", h -> set(h, "ce_type", "hostile.order" + "x".repeat(64 * 1024)),
        "required header ce_type is missing, empty or too long"));
    cases.add(malformed("ce_specversion 2.0", h -> set(h, "ce_specversion", "2.0"),
        "ce_specversion must be 1.0: '2.0'"));
    cases.add(malformed("invalid ce_time", h -> set(h, "ce_time", "yesterday"),
        "ce_time is not an ISO-8601 instant: 'yesterday'"));
    cases.add(malformed("content-type not JSON", h -> set(h, "content-type", "application/xml"),
        "content-type must be application/json: 'application/xml'"));
    // Over Chorus's producer's max.request.size (1 MiB) as a dead letter: written without that header.
    Hostile bigHeader = malformed("a 1 MiB header", h -> h.add(new RecordHeader("big", new byte[MIB])), null);
    cases.add(bigHeader.withDetail("record headers have " + headerBytes(bigHeader.headers) + " bytes, more than 262144")
        .leavingOut("1 original header(s) of " + (3 + MIB) + " bytes"));
    cases.add(malformed("10,000 headers", h -> {
      for (int i = 0; i < 10_000; i++) {
        h.add(new RecordHeader("h" + i, new byte[] {1}));
      }
    }, "record has 10006 headers, more than 256"));
    Hostile forgedPoison = undecodable("forged dead-letter headers on a poison record", "not json",
        "Unrecognized token 'not'");
    forgedPoison.headers.add(new RecordHeader("kafka_dlt-original-topic", "elsewhere".getBytes(UTF_8)));
    forgedPoison.headers.add(new RecordHeader("kafka_dlt-original-offset", new byte[8]));
    forgedPoison.headers.add(new RecordHeader("chorus-dlt-reason", "HANDLER_FAILED".getBytes(UTF_8)));
    cases.add(forgedPoison);

    // Names that are not subscribed types: skipped, nothing loaded.
    cases.add(skipped("ce_type naming java.lang.ProcessBuilder", "java.lang.ProcessBuilder",
        "{\"command\":[\"touch\",\"/tmp/pwned\"]}"));
    cases.add(skipped("ce_type naming a class with a static initialiser", Canary.class.getName(), "{}"));
    cases.add(skipped("registered type name with a suffix", "hostile.order.v2", "{\"id\":\"k\",\"seq\":1}"));
    cases.add(skipped("ce_type with invalid UTF-8", new String(bytes("hostile.order", 0xFF), UTF_8), "{}"));
    // Kafka allows a header name twice; like Kafka's lastHeader(), Chorus reads the last one.
    Hostile lastNamesAClass = skipped("two ce_type headers, the last naming java.lang.ProcessBuilder",
        "java.lang.ProcessBuilder", order());
    lastNamesAClass.headers.add(3, new RecordHeader("ce_type", "hostile.order".getBytes(UTF_8)));
    cases.add(lastNamesAClass);

    // Hostile-looking but valid: handled, in order, with nothing forged trusted.
    cases.add(handled("two ce_type headers, the last a subscribed type", h -> h.add(3,
        new RecordHeader("ce_type", "java.lang.ProcessBuilder".getBytes(UTF_8)))));
    cases.add(handled("a valid event without a key", h -> {}).withKey(null));
    cases.add(handled("a user header with a null value", h -> h.add(new RecordHeader("note", null))));
    cases.add(handled("forged dead-letter headers on a valid event", h -> {
      h.add(new RecordHeader("kafka_dlt-original-topic", "elsewhere".getBytes(UTF_8)));
      h.add(new RecordHeader("chorus-dlt-reason", "HANDLER_FAILED".getBytes(UTF_8)));
      h.add(new RecordHeader("tenant", "acme".getBytes(UTF_8)));
    }));
    return cases;
  }

  // ---------------------------------------------------------------- 100,000 unknown type names

  @Test
  void aHundredThousandDistinctUnknownTypeNamesAreSkippedWithBoundedMemory() throws Exception {
    createTopic("flood.orders");
    Subscription subscription = bus.subscribe(FloodOrder.class).group("flooded").startFrom(StartPosition.EARLIEST)
        .handle((order, ctx) -> handled.add(order.seq()));
    bus.publish(new FloodOrder(KEY, 0)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    long before = usedHeapAfterGc();

    // 200-character names: a structure that kept one name per type would hold 100,000 x ~240
    // bytes = ~23 MiB, three times the bound below.
    int names = 100_000;
    String padding = "-" + "x".repeat(180);
    try (KafkaProducer<byte[], byte[]> producer = plainProducer()) {
      for (int i = 0; i < names; i++) {
        List<Header> headers = envelope("flood-" + i, String.format("flood.type-%08d", i) + padding);
        producer.send(new ProducerRecord<>("flood.orders", 0, KEY.getBytes(UTF_8), "{}".getBytes(UTF_8), headers));
      }
      producer.flush();
    }
    bus.publish(new FloodOrder(KEY, 1)).join();
    assertThat(bus.awaitIdle(Duration.ofSeconds(60))).isTrue();
    long after = usedHeapAfterGc();

    assertThat(skippedCount).hasValue(names);
    assertThat(handled).containsExactly(0, 1);
    assertThat(bus.flow().types()).as("types the bus knows").hasSize(1);
    assertThat(after - before).as("heap growth in bytes (before %s, after %s)", before, after).isLessThan(8L * MIB);
    assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
    assertThat(uncaught).isEmpty();
    assertThat(committed("flood.orders")).isEqualTo(endOffset("flood.orders"));
  }

  // ---------------------------------------------------------------- cases

  enum Outcome { DEAD_LETTERED, SKIPPED, HANDLED }

  /** One hostile record and what Chorus must do with it. */
  private static final class Hostile {
    final String name;
    final String id;
    final Outcome outcome;
    final String exceptionClass;
    String detail;
    final List<Header> headers;
    byte[] key = KEY.getBytes(UTF_8);
    byte[] value;
    int handledSeq = -1;
    String leftOut;

    Hostile(String name, String id, Outcome outcome, String exceptionClass, String detail, byte[] value,
        List<Header> headers) {
      this.name = name;
      this.id = id;
      this.outcome = outcome;
      this.exceptionClass = exceptionClass;
      this.detail = detail;
      this.value = value;
      this.headers = headers;
    }

    Hostile withKey(byte[] key) {
      this.key = key;
      return this;
    }

    Hostile withDetail(String detail) {
      this.detail = detail;
      return this;
    }

    /** The dead letter is too large for the dead-letter topic whole: what it leaves out. */
    Hostile leavingOut(String leftOut) {
      this.leftOut = leftOut;
      return this;
    }
  }

  private int ids;

  private Hostile undecodable(String name, String json, String jacksonMessage) {
    return undecodable(name, json.getBytes(UTF_8), jacksonMessage);
  }

  /** A valid envelope around bytes that are no Order: the codec's message names the size and Jackson's reason. */
  private Hostile undecodable(String name, byte[] value, String jacksonMessage) {
    return deadLettered(name, value, h -> {}, UNDECODABLE_PAYLOAD, "cannot decode "
        + (value == null ? 0 : value.length) + " bytes as " + Order.class.getName() + ": " + jacksonMessage);
  }

  /** A malformed envelope around a valid Order. */
  private Hostile malformed(String name, Consumer<List<Header>> tamper, String message) {
    return deadLettered(name, order().getBytes(UTF_8), tamper, MALFORMED, message);
  }

  private Hostile deadLettered(String name, byte[] value, Consumer<List<Header>> tamper, String exceptionClass,
      String detail) {
    String id = "hostile-" + ids++;
    List<Header> headers = envelope(id, "hostile.order");
    tamper.accept(headers);
    return new Hostile(name, id, Outcome.DEAD_LETTERED, exceptionClass, detail, value, headers);
  }

  private Hostile skipped(String name, String type, String json) {
    String id = "hostile-" + ids++;
    return new Hostile(name, id, Outcome.SKIPPED, null, "type '" + type + "' is not subscribed", json.getBytes(UTF_8),
        envelope(id, type));
  }

  private Hostile handled(String name, Consumer<List<Header>> tamper) {
    String id = "hostile-" + ids++;
    List<Header> headers = envelope(id, "hostile.order");
    tamper.accept(headers);
    return new Hostile(name, id, Outcome.HANDLED, null, null, null, headers);
  }

  private static String order() {
    return "{\"id\":\"k\",\"seq\":1}";
  }

  private static List<Header> envelope(String id, String type) {
    List<Header> headers = new ArrayList<>();
    headers.add(new RecordHeader("ce_specversion", "1.0".getBytes(UTF_8)));
    headers.add(new RecordHeader("ce_id", id.getBytes(UTF_8)));
    headers.add(new RecordHeader("ce_source", "attacker".getBytes(UTF_8)));
    headers.add(new RecordHeader("ce_type", type.getBytes(UTF_8)));
    headers.add(new RecordHeader("ce_time", "2026-01-01T00:00:00Z".getBytes(UTF_8)));
    headers.add(new RecordHeader("content-type", "application/json".getBytes(UTF_8)));
    return headers;
  }

  private static long headerBytes(List<Header> headers) {
    return headers.stream().mapToLong(header -> header.key().length() + header.value().length).sum();
  }

  private static void remove(List<Header> headers, String name) {
    headers.removeIf(header -> header.key().equals(name));
  }

  private static void set(List<Header> headers, String name, String value) {
    headers.replaceAll(header -> header.key().equals(name)
        ? new RecordHeader(name, value == null ? null : value.getBytes(UTF_8)) : header);
  }

  private static byte[] bytes(String prefix, int... tail) {
    byte[] head = prefix.getBytes(UTF_8);
    byte[] all = Arrays.copyOf(head, head.length + tail.length);
    for (int i = 0; i < tail.length; i++) {
      all[head.length + i] = (byte) tail[i];
    }
    return all;
  }

  /**
   * The original headers as a dead letter keeps them: as Chorus reads a Kafka record (one value
   * per name, the last; a null value read as empty), without any inbound dead-letter header, and
   * in a dead letter that was too large whole, without the headers over 512 bytes.
   */
  private static List<Map.Entry<String, List<Byte>>> expectedOriginalHeaders(Hostile hostile) {
    Map<String, byte[]> read = new LinkedHashMap<>();
    for (Header header : hostile.headers) {
      read.put(header.key(), header.value() == null ? new byte[0] : header.value());
    }
    List<Map.Entry<String, List<Byte>>> expected = new ArrayList<>();
    read.forEach((name, value) -> {
      boolean small = name.length() <= 512 && value.length <= 512;
      if (!isDeadLetterHeader(name) && (hostile.leftOut == null || small)) {
        expected.add(Map.entry(name, boxed(value)));
      }
    });
    return expected;
  }

  private static List<Map.Entry<String, List<Byte>>> originalHeaders(ConsumerRecord<byte[], byte[]> record) {
    List<Map.Entry<String, List<Byte>>> original = new ArrayList<>();
    for (Header header : record.headers()) {
      if (!isDeadLetterHeader(header.key())) {
        original.add(Map.entry(header.key(), boxed(header.value())));
      }
    }
    return original;
  }

  private static boolean isDeadLetterHeader(String name) {
    return name.startsWith("kafka_dlt-") || name.startsWith("chorus-dlt-");
  }

  private static List<Byte> boxed(byte[] bytes) {
    List<Byte> boxed = new ArrayList<>(bytes.length);
    for (byte b : bytes) {
      boxed.add(b);
    }
    return boxed;
  }

  private static Map<String, byte[]> headerMap(ConsumerRecord<byte[], byte[]> record) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    record.headers().forEach(header -> headers.put(header.key(), header.value()));
    return headers;
  }

  private static String text(ConsumerRecord<byte[], byte[]> record, String header) {
    return new String(record.headers().lastHeader(header).value(), UTF_8);
  }

  // ---------------------------------------------------------------- Kafka and the bus

  private void valid(int seq) {
    bus.publish(new Order(KEY, seq)).join();
  }

  private void createTopic(String topic) {
    KafkaTopics.create(admin, new NewTopic(topic, 1, (short) 1).configs(Map.of("max.message.bytes",
        Integer.toString(LARGE_RECORDS))), TIMEOUT);
  }

  private KafkaProducer<byte[], byte[]> plainProducer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, LARGE_RECORDS, ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 5),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) throws Exception {
    long end = endOffset(topic);
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (consumer.position(partition) < end) {
        assertThat(System.nanoTime()).as("read %s to offset %s in time", topic, end).isLessThan(deadline);
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private long endOffset(String topic) throws ExecutionException, InterruptedException {
    TopicPartition partition = new TopicPartition(topic, 0);
    return admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get().offset();
  }

  private long committed(String topic) throws ExecutionException, InterruptedException {
    String group = topic.equals(TOPIC) ? GROUP : "flooded";
    OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
        .get(new TopicPartition(topic, 0));
    return offset == null ? -1 : offset.offset();
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}

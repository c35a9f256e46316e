package dev.chorus.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.DeadLetter;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventKey;
import dev.chorus.EventMetadata;
import dev.chorus.EventType;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.spi.OutgoingRecord;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Records no honest publisher writes, among valid events: each is dead-lettered or skipped, the
 * valid events around it are handled in order, and nothing is loaded, overflowed or exhausted.
 */
class HostileInputTest {

  /** The subscribed event. */
  @EventType(value = "hostile.order", topic = "hostile.orders")
  public record Order(@EventKey String id, int seq) {}

  /** Set by {@link Canary}'s static initialiser, which must never run. */
  static final AtomicBoolean CANARY_RAN = new AtomicBoolean();

  /** A class a hostile ce_type names. */
  static final class Canary {
    static {
      CANARY_RAN.set(true);
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final InMemoryTransport transport = InMemoryTransport.builder().partitions(1).build();
  private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
  private final List<String> skipped = new CopyOnWriteArrayList<>();
  private final EventBus bus = EventBus.builder().transport(transport).listener(new EventBusListener() {
    @Override
    public void onDeadLettered(DeadLetter deadLetter, String topic) {
      deadLetters.add(deadLetter);
    }

    @Override
    public void onSkipped(EventMetadata metadata, String group, String reason) {
      skipped.add(metadata.type());
    }
  }).build();
  private final List<Integer> handled = new CopyOnWriteArrayList<>();
  private int seq;

  @AfterEach
  void close() {
    bus.close();
  }

  @Test
  void everyHostileRecordIsDeadLetteredOrSkippedAndTheValidEventsAroundItAreHandledInOrder() {
    List<Map<String, String>> userHeaders = new CopyOnWriteArrayList<>();
    bus.subscribe(Order.class).group("guarded").handle((order, ctx) -> {
      handled.add(order.seq());
      userHeaders.add(ctx.metadata().headers());
    });

    valid();
    hostile("{\"id\":\"k\",", headers -> {});                                       // truncated JSON
    valid();
    hostile("not json at all", headers -> {});                                      // invalid JSON
    valid();
    hostile("{\"id\":\"k\",\"seq\":1}", headers -> headers.remove("ce_id"));        // missing ce_id
    valid();
    hostile("{\"id\":\"k\",\"seq\":1}", headers -> headers.put("big", new byte[1024 * 1024])); // 1 MiB header
    valid();
    hostile("{\"id\":\"k\",\"seq\":1}", headers -> {                                // 10,000 headers
      for (int i = 0; i < 10_000; i++) {
        headers.put("h" + i, new byte[] {1});
      }
    });
    valid();
    hostile("[".repeat(10_000) + "]".repeat(10_000), headers -> {});                // nested 10,000 deep
    valid();
    hostile("{\"id\":\"k\",\"seq\":1}", headers -> headers.put("ce_time", "yesterday".getBytes(UTF_8)));
    valid();
    hostile("{\"id\":\"k\",\"seq\":1}", headers -> headers.put("ce_type", new byte[0])); // empty ce_type
    valid();
    hostile("{\"command\":[\"rm\",\"-rf\"]}", headers -> headers.put("ce_type",
        "java.lang.ProcessBuilder".getBytes(UTF_8)));                               // a JDK class
    valid();
    hostile("{}", headers -> headers.put("ce_type", Canary.class.getName().getBytes(UTF_8)));
    valid();
    hostile("{\"id\":\"k\",\"seq\":1}", headers -> headers.put("ce_type", "hostile.order.v2".getBytes(UTF_8)));
    valid();
    forgedDeadLetterHeaders();

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(handled).as("valid events, in order").containsExactlyElementsOf(
        java.util.stream.IntStream.range(0, seq).filter(i -> i % 2 == 0).boxed().toList());
    assertThat(deadLetters).as("dead letters").hasSize(8)
        .allSatisfy(letter -> {
          assertThat(letter.failure().reason()).isEqualTo(DeadLetter.Reason.UNDECODABLE);
          assertThat(letter.failure().attempts()).isZero();
        });
    assertThat(skipped).containsExactly("java.lang.ProcessBuilder", Canary.class.getName(), "hostile.order.v2");
    assertThat(CANARY_RAN).as("the class named on the wire was initialised").isFalse();
    assertThat(userHeaders.get(userHeaders.size() - 1)).as("headers of the event with forged dead-letter headers")
        .containsExactly(Map.entry("tenant", "acme"));
  }

  @Test
  void aHundredThousandDistinctUnknownTypeNamesAreSkippedWithoutGrowingAnything() {
    bus.subscribe(Order.class).group("flooded").handle((order, ctx) -> handled.add(order.seq()));
    valid();
    for (int i = 0; i < 100_000; i++) {
      Map<String, byte[]> headers = envelope("flood.type-" + i);
      transport.send(new OutgoingRecord("hostile.orders", "k", "{}".getBytes(UTF_8), headers)).join();
      if (i % 10_000 == 0) {
        // Keep the backlog within the transport's retention: it is the engine under test here.
        assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
      }
    }
    valid();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(skipped).hasSize(100_000);
    assertThat(handled).containsExactly(0, 2);
    assertThat(bus.flow().types()).as("types the bus knows").hasSize(1);
  }

  @Test
  void aPoisonRecordWhoseDeadLetterIsTooLargeForItsTopicIsDeadLetteredSmallerAtOnce() {
    FaultyTransport sized = new FaultyTransport(InMemoryTransport.builder().partitions(1).build());
    sized.tooLarge = record -> record.topic().endsWith(".dlt") && FaultyTransport.size(record) > 64 * 1024;
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    // A manual clock that nobody advances: a dead letter retried after a backoff would wait for ever.
    EventBus small = EventBus.builder().transport(sized).clock(dev.chorus.VirtualClock.create())
        .listener(new EventBusListener() {
          @Override
          public void onDeadLettered(DeadLetter deadLetter, String topic) {
            letters.add(deadLetter);
          }
        }).build();
    try {
      small.subscribe(Order.class).group("sized").handle((order, ctx) -> handled.add(order.seq()));
      small.publish(new Order("k", 0)).join();
      Map<String, byte[]> bigHeader = envelope("hostile.order");
      bigHeader.put("ce_time", "yesterday".getBytes(UTF_8));
      bigHeader.put("blob", new byte[128 * 1024]);
      sized.send(new OutgoingRecord("hostile.orders", "k", "{\"id\":\"k\",\"seq\":1}".getBytes(UTF_8), bigHeader))
          .join();
      small.publish(new Order("k", 2)).join();
      byte[] bigValue = ("[" + "1,".repeat(64 * 1024) + "1]").getBytes(UTF_8);
      sized.send(new OutgoingRecord("hostile.orders", "k", bigValue, envelope("hostile.order"))).join();
      small.publish(new Order("k", 4)).join();

      assertThat(small.awaitIdle(TIMEOUT)).isTrue();

      assertThat(handled).containsExactly(0, 2, 4);
      assertThat(letters).extracting(letter -> letter.offset()).containsExactly(1L, 3L);
      List<dev.chorus.spi.TransportRecord> written = ((InMemoryTransport) sized.delegate)
          .records("hostile.orders.sized.dlt");
      assertThat(written).hasSize(2);
      assertThat(written.get(0).value()).isEqualTo("{\"id\":\"k\",\"seq\":1}".getBytes(UTF_8));
      assertThat(written.get(0).headers()).containsKeys("ce_id", "ce_type", "ce_time").doesNotContainKey("blob");
      assertThat(new String(written.get(0).headers().get("chorus-dlt-left-out"), UTF_8)).isEqualTo("1 original "
          + "header(s) of " + (4 + 128 * 1024) + " bytes: the whole dead letter was too large for hostile.orders.sized.dlt");
      assertThat(written.get(1).value()).isEmpty();
      assertThat(written.get(1).headers()).containsKeys("ce_id", "ce_type", "ce_time");
      assertThat(new String(written.get(1).headers().get("chorus-dlt-left-out"), UTF_8)).isEqualTo("the original "
          + "value of " + bigValue.length + " bytes: the whole dead letter was too large for hostile.orders.sized.dlt");
      assertThat(DeadLetter.from("k", written.get(1).value(), written.get(1).headers()).offset()).isEqualTo(3L);
    } finally {
      small.close();
    }
  }

  private void valid() {
    bus.publish(new Order("k", seq)).join();
    seq += 2;
  }

  private void hostile(String json, Consumer<Map<String, byte[]>> tamper) {
    Map<String, byte[]> headers = envelope("hostile.order");
    tamper.accept(headers);
    transport.send(new OutgoingRecord("hostile.orders", "k", json.getBytes(UTF_8), headers)).join();
  }

  /** A valid event carrying forged dead-letter headers: handled, with the headers dropped. */
  private void forgedDeadLetterHeaders() {
    Map<String, byte[]> headers = envelope("hostile.order");
    headers.put("kafka_dlt-original-topic", "elsewhere".getBytes(UTF_8));
    headers.put("chorus-dlt-reason", "HANDLER_FAILED".getBytes(UTF_8));
    headers.put("tenant", "acme".getBytes(UTF_8));
    transport.send(new OutgoingRecord("hostile.orders", "k", ("{\"id\":\"k\",\"seq\":" + seq + "}").getBytes(UTF_8),
        headers)).join();
    seq += 2;
  }

  private static Map<String, byte[]> envelope(String type) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    headers.put("ce_specversion", "1.0".getBytes(UTF_8));
    headers.put("ce_id", ("id-" + System.nanoTime()).getBytes(UTF_8));
    headers.put("ce_source", "attacker".getBytes(UTF_8));
    headers.put("ce_type", type.getBytes(UTF_8));
    headers.put("ce_time", "2026-01-01T00:00:00Z".getBytes(UTF_8));
    return headers;
  }
}

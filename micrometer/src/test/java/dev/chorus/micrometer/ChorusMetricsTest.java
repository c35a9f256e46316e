package dev.chorus.micrometer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBus;
import dev.chorus.EventKey;
import dev.chorus.EventMetadata;
import dev.chorus.EventType;
import dev.chorus.NonRetryableException;
import dev.chorus.PublishException;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.spi.OutgoingRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ChorusMetrics} on real buses over the in-memory transport, read back from a
 * {@link SimpleMeterRegistry}.
 */
class ChorusMetricsTest {

  /** An order, the event every test publishes. */
  @EventType(value = "metrics.order", topic = "metrics.orders")
  public record Order(@EventKey String id, int seq) {}

  private static final String TYPE = "metrics.order";
  private static final String TOPIC = "metrics.orders";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    registry.close();
  }

  private EventBus bus(EventBus.Builder builder) {
    EventBus bus = builder.build();
    closeables.add(bus);
    return bus;
  }

  private static InMemoryTransport onePartition() {
    return InMemoryTransport.builder().partitions(1).build();
  }

  // ---------------------------------------------------------------- event meters

  @Test
  void countsPublishedHandledRetriedAndDeadLetteredEventsOfARunExactly() {
    EventBus bus = bus(EventBus.builder().transport(InMemoryTransport.create()).clock(VirtualClock.autoAdvancing())
        .listener(ChorusMetrics.of(registry)));
    AtomicInteger calls = new AtomicInteger();
    bus.subscribe(Order.class).group("billing").startFrom(StartPosition.EARLIEST)
        .retry(RetryPolicy.fixed(3, Duration.ofSeconds(1)))
        .handle((order, ctx) -> {
          calls.incrementAndGet();
          if (order.seq() < 10 && ctx.attempt() < 3) {
            throw new IllegalStateException("fails twice, then succeeds");
          }
          if (order.seq() >= 10 && order.seq() < 15) {
            throw new IllegalStateException("always fails");
          }
        });
    publishOrders(bus, 100);

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(calls.get()).as("handler calls: 85 + 10 * 3 + 5 * 3").isEqualTo(130);
    assertThat(count("chorus.events.published", "type", TYPE, "topic", TOPIC)).isEqualTo(100);
    assertThat(count("chorus.events.handled", "type", TYPE, "group", "billing")).isEqualTo(95);
    Timer handling = registry.get("chorus.events.handling").tags("type", TYPE, "group", "billing").timer();
    assertThat(handling.count()).isEqualTo(95);
    assertThat(count("chorus.events.retries", "type", TYPE, "group", "billing", "exception", "IllegalStateException"))
        .isEqualTo(30);
    Timer retryDelay = registry.get("chorus.events.retry.delay").tags("type", TYPE, "group", "billing").timer();
    assertThat(retryDelay.count()).isEqualTo(30);
    assertThat(retryDelay.totalTime(TimeUnit.SECONDS)).isEqualTo(30.0);
    assertThat(retryDelay.max(TimeUnit.SECONDS)).isEqualTo(1.0);
    assertThat(count("chorus.events.dead.lettered", "type", TYPE, "group", "billing", "reason", "HANDLER_FAILED",
        "topic", "metrics.orders.billing.dlt")).isEqualTo(5);

    assertThat(metersNamed("chorus.events.published")).as("published meters").hasSize(1);
    assertThat(metersNamed("chorus.events.retries")).as("retry meters").hasSize(1);
    assertThat(metersNamed("chorus.events.dead.lettered")).as("dead-letter meters").hasSize(1);
    assertThat(metersNamed("chorus.events.publish.failures")).isEmpty();
    assertThat(metersNamed("chorus.events.skipped")).isEmpty();
    assertThat(metersNamed("chorus.subscriptions.failed")).isEmpty();
  }

  @Test
  void countsDiscardedEventsAsDeadLetteredToTopicDiscardedWithTheirReason() {
    EventBus bus = bus(EventBus.builder().transport(onePartition()).listener(ChorusMetrics.of(registry)));
    bus.subscribe(Order.class).group("audit").startFrom(StartPosition.EARLIEST)
        .retry(RetryPolicy.none())
        .deadLetter(DeadLetterPolicy.discard())
        .handle((order, ctx) -> {
          switch (order.seq() % 3) {
            case 0 -> throw new IllegalStateException("retryable, but no retries");
            case 1 -> throw new NonRetryableException("never again");
            default -> { }
          }
        });
    publishOrders(bus, 9);

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(count("chorus.events.dead.lettered", "type", TYPE, "group", "audit", "reason", "HANDLER_FAILED",
        "topic", "discarded")).isEqualTo(3);
    assertThat(count("chorus.events.dead.lettered", "type", TYPE, "group", "audit", "reason", "NON_RETRYABLE",
        "topic", "discarded")).isEqualTo(3);
    assertThat(metersNamed("chorus.events.dead.lettered")).hasSize(2);
    assertThat(count("chorus.events.handled", "type", TYPE, "group", "audit")).isEqualTo(3);
    assertThat(metersNamed("chorus.events.retries")).isEmpty();
  }

  @Test
  void countsTheEventASubscriptionStoppedAtAndTheFailedSubscription() {
    EventBus bus = bus(EventBus.builder().transport(onePartition()).listener(ChorusMetrics.of(registry)));
    Subscription subscription = bus.subscribe(Order.class).group("strict").startFrom(StartPosition.EARLIEST)
        .retry(RetryPolicy.none())
        .deadLetter(DeadLetterPolicy.stopSubscription())
        .handle((order, ctx) -> {
          if (order.seq() == 2) {
            throw new IllegalStateException("stops the subscription");
          }
        });
    publishOrders(bus, 5);

    awaitUntil(() -> registry.find("chorus.subscriptions.failed").counter() != null, "the failed subscription");
    assertThat(subscription.state()).isEqualTo(Subscription.State.FAILED);
    assertThat(count("chorus.subscriptions.failed", "group", "strict")).isEqualTo(1);
    assertThat(count("chorus.events.dead.lettered", "type", TYPE, "group", "strict", "reason", "HANDLER_FAILED",
        "topic", "stopped")).isEqualTo(1);
    assertThat(count("chorus.events.handled", "type", TYPE, "group", "strict")).as("the events before it")
        .isEqualTo(2);
  }

  @Test
  void countsARecordOfAnUnsubscribedTypeAsSkippedUnderItsWireType() {
    InMemoryTransport transport = onePartition();
    EventBus bus = bus(EventBus.builder().transport(transport).closeTransport(false)
        .listener(ChorusMetrics.of(registry)));
    closeables.add(transport);
    bus.subscribe(Order.class).group("picky").startFrom(StartPosition.EARLIEST).handle((order, ctx) -> { });
    forge(transport, TOPIC, "metrics.refund", "r1").join();
    forge(transport, TOPIC, "metrics.refund", "r2").join();
    publishOrders(bus, 1);

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(count("chorus.events.skipped", "type", "metrics.refund", "group", "picky")).isEqualTo(2);
    assertThat(metersNamed("chorus.events.skipped")).hasSize(1);
    assertThat(count("chorus.events.handled", "type", TYPE, "group", "picky")).isEqualTo(1);
  }

  @Test
  void tagsAnUndecodableRecordWithoutATypeAsUnknown() {
    InMemoryTransport transport = onePartition();
    EventBus bus = bus(EventBus.builder().transport(transport).closeTransport(false)
        .listener(ChorusMetrics.of(registry)));
    closeables.add(transport);
    bus.subscribe(Order.class).group("strict-wire").startFrom(StartPosition.EARLIEST).handle((order, ctx) -> { });
    forge(transport, TOPIC, null, "no-type").join();

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(count("chorus.events.dead.lettered", "type", "unknown", "group", "strict-wire", "reason", "UNDECODABLE",
        "topic", "metrics.orders.strict-wire.dlt")).isEqualTo(1);
    assertThat(metersNamed("chorus.events.dead.lettered")).hasSize(1);
  }

  @Test
  void countsAFailedPublishUnderTheCauseOfThePublishException() {
    FailingTransport transport = new FailingTransport(InMemoryTransport.create());
    EventBus bus = bus(EventBus.builder().transport(transport).listener(ChorusMetrics.of(registry)));
    publishOrders(bus, 2);
    transport.failSends = true;
    for (int seq = 0; seq < 3; seq++) {
      CompletableFuture<?> publish = bus.publish(new Order("failing-" + seq, seq));
      assertThatThrownBy(publish::join).hasCauseInstanceOf(PublishException.class)
          .hasRootCauseInstanceOf(IllegalStateException.class);
    }

    assertThat(count("chorus.events.published", "type", TYPE, "topic", TOPIC)).isEqualTo(2);
    assertThat(count("chorus.events.publish.failures", "type", TYPE, "topic", TOPIC,
        "exception", "IllegalStateException")).isEqualTo(3);
    assertThat(metersNamed("chorus.events.publish.failures")).hasSize(1);
  }

  @Test
  void addsTheCommonTagsToEveryMeter() {
    EventBus bus = bus(EventBus.builder().transport(onePartition())
        .listener(ChorusMetrics.of(registry).withTags(Tags.of("service", "orders", "region", "eu"))));
    bus.subscribe(Order.class).group("tagged").startFrom(StartPosition.EARLIEST).handle((order, ctx) -> { });
    publishOrders(bus, 4);

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(registry.get("chorus.events.published")
        .tags("service", "orders", "region", "eu", "type", TYPE, "topic", TOPIC).counter().count()).isEqualTo(4);
    assertThat(registry.get("chorus.events.handled")
        .tags("service", "orders", "region", "eu", "type", TYPE, "group", "tagged").counter().count()).isEqualTo(4);
    assertThat(registry.get("chorus.events.handling")
        .tags("service", "orders", "region", "eu", "type", TYPE, "group", "tagged").timer().count()).isEqualTo(4);
    assertThat(registry.getMeters()).hasSize(3)
        .allSatisfy(meter -> assertThat(meter.getId().getTag("service")).isEqualTo("orders"));
  }

  @Test
  void countsEveryEventExactlyOnceWhenHandlersRunConcurrently() {
    EventBus bus = bus(EventBus.builder().transport(InMemoryTransport.create()).listener(ChorusMetrics.of(registry)));
    bus.subscribe(Order.class).group("parallel").startFrom(StartPosition.EARLIEST).concurrency(16)
        .handle((order, ctx) -> { });
    bus.subscribe(Order.class).group("serial").startFrom(StartPosition.EARLIEST).handle((order, ctx) -> { });
    publishOrders(bus, 2_000);

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(count("chorus.events.published", "type", TYPE, "topic", TOPIC)).isEqualTo(2_000);
    assertThat(count("chorus.events.handled", "type", TYPE, "group", "parallel")).isEqualTo(2_000);
    assertThat(count("chorus.events.handled", "type", TYPE, "group", "serial")).isEqualTo(2_000);
    assertThat(registry.get("chorus.events.handling").tags("group", "parallel").timer().count()).isEqualTo(2_000);
  }

  // ---------------------------------------------------------------- hostile types

  @Test
  void aHundredThousandDistinctWireTypesCreateNoMoreThanTheTypeLimitOfMeters() {
    int hostile = 100_000;
    InMemoryTransport transport = InMemoryTransport.builder().partitions(1).retention(hostile + 10).build();
    EventBus bus = bus(EventBus.builder().transport(transport).closeTransport(false)
        .listener(ChorusMetrics.of(registry)));
    closeables.add(transport);
    bus.subscribe(Order.class).group("victim").startFrom(StartPosition.EARLIEST).handle((order, ctx) -> { });
    List<CompletableFuture<?>> sends = new ArrayList<>(hostile);
    for (int i = 0; i < hostile; i++) {
      sends.add(forge(transport, TOPIC, "hostile.type-" + i, "h" + i));
    }
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();

    assertThat(bus.awaitIdle(Duration.ofSeconds(120))).isTrue();
    List<Meter> skipped = metersNamed("chorus.events.skipped");
    assertThat(skipped).hasSize(ChorusMetrics.DEFAULT_TYPE_LIMIT + 1);
    // One partition: the first 500 types in offset order are admitted, everything after is "other".
    assertThat(count("chorus.events.skipped", "type", "hostile.type-0", "group", "victim")).isEqualTo(1);
    assertThat(count("chorus.events.skipped", "type", "hostile.type-499", "group", "victim")).isEqualTo(1);
    assertThat(registry.find("chorus.events.skipped").tag("type", "hostile.type-500").counter()).isNull();
    assertThat(count("chorus.events.skipped", "type", "other", "group", "victim")).isEqualTo(hostile - 500);
    assertThat(skipped.stream().mapToDouble(meter -> ((Counter) meter).count()).sum()).isEqualTo(hostile);
    assertThat(registry.getMeters()).hasSize(ChorusMetrics.DEFAULT_TYPE_LIMIT + 1);
  }

  @Test
  void typesBeyondAConfiguredLimitAreCountedAsOtherPerMeterName() {
    ChorusMetrics metrics = ChorusMetrics.of(registry).withTypeLimit(2);
    for (String type : List.of("a", "b", "c", "d", "a", "b", "c")) {
      metrics.onSkipped(metadata(type), "g", "not subscribed");
    }
    metrics.onHandled(metadata("d"), "g", 1, Duration.ofMillis(5));
    metrics.onSkipped(metadata(null), "g", "not subscribed");

    assertThat(count("chorus.events.skipped", "type", "a", "group", "g")).isEqualTo(2);
    assertThat(count("chorus.events.skipped", "type", "b", "group", "g")).isEqualTo(2);
    assertThat(count("chorus.events.skipped", "type", "other", "group", "g")).as("c, d, c and the missing type")
        .isEqualTo(4);
    assertThat(metersNamed("chorus.events.skipped")).hasSize(3);
    assertThat(count("chorus.events.handled", "type", "d", "group", "g")).as("a limit of its own").isEqualTo(1);
  }

  @Test
  void aTypeLimitBelowOneIsRejected() {
    assertThatIllegalArgumentException().isThrownBy(() -> ChorusMetrics.of(registry).withTypeLimit(0))
        .withMessage("type limit must be at least 1: 0");
  }

  // ---------------------------------------------------------------- consumer lag

  @Test
  void lagIsTheNumberOfUnhandledRecordsWhileTheHandlerIsBlockedAndZeroAfter() throws InterruptedException {
    InMemoryTransport transport = onePartition();
    EventBus bus = bus(EventBus.builder().transport(transport).closeTransport(false)
        .listener(ChorusMetrics.of(registry)));
    closeables.add(transport);
    Gauge lag = ChorusMetrics.bindLag(registry, transport, "slow", List.of(TOPIC)).get(0);
    assertThat(lag.value()).as("the topic does not exist yet").isEqualTo(0.0);

    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    bus.subscribe(Order.class).group("slow").startFrom(StartPosition.EARLIEST).handle((order, ctx) -> {
      entered.countDown();
      if (!release.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    });
    publishOrders(bus, 10);

    assertThat(entered.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(lag.value()).as("10 records, the first one in the blocked handler").isEqualTo(10.0);
    assertThat(registry.get("chorus.consumer.lag").tags("group", "slow", "topic", TOPIC).gauge().value())
        .isEqualTo(10.0);

    release.countDown();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(lag.value()).isEqualTo(0.0);
  }

  @Test
  void lagSumsThePartitionsAndCountsAPartitionWithoutACommitFromOffsetZero() {
    InMemoryTransport transport = InMemoryTransport.builder().partitions(4).build();
    closeables.add(transport);
    for (int i = 0; i < 7; i++) {
      forge(transport, "metrics.raw", "metrics.raw", "key-" + i).join();
    }
    List<Gauge> gauges = ChorusMetrics.bindLag(registry, transport, "nobody", List.of("metrics.raw", "metrics.empty"));

    assertThat(transport.endOffsets(List.of("metrics.raw"))).hasSize(4);
    assertThat(gauges).extracting(gauge -> gauge.getId().getTag("topic")).containsExactly("metrics.raw", "metrics.empty");
    assertThat(gauges).extracting(Gauge::value).containsExactly(7.0, 0.0);
  }

  @Test
  void lagReadsNaNWhileTheTransportCannotAnswerAndRecovers() {
    FailingTransport transport = new FailingTransport(onePartition());
    closeables.add(transport);
    forge(transport.delegate, TOPIC, TYPE, "k").join();
    Gauge lag = ChorusMetrics.bindLag(registry, transport, "g", List.of(TOPIC)).get(0);

    transport.failQueries = true;
    assertThat(lag.value()).isNaN();
    assertThat(lag.value()).as("read twice: logged once, never thrown").isNaN();
    transport.failQueries = false;
    assertThat(lag.value()).isEqualTo(1.0);
  }

  @Test
  void bindingLagWithoutTopicsIsRejected() {
    InMemoryTransport transport = onePartition();
    closeables.add(transport);
    Collection<String> none = List.of();
    assertThatIllegalArgumentException().isThrownBy(() -> ChorusMetrics.bindLag(registry, transport, "g", none))
        .withMessage("bindLag needs at least one topic for group g");
  }

  // ---------------------------------------------------------------- helpers

  private static void publishOrders(EventBus bus, int count) {
    List<CompletableFuture<?>> publishes = new ArrayList<>(count);
    for (int seq = 0; seq < count; seq++) {
      publishes.add(bus.publish(new Order("order-" + seq, seq)));
    }
    CompletableFuture.allOf(publishes.toArray(CompletableFuture[]::new)).join();
  }

  /** Appends a record the way another service (or an attacker) might; a null type leaves ce_type out. */
  private static CompletableFuture<?> forge(dev.chorus.spi.Transport transport, String topic, String type, String id) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    headers.put("ce_specversion", "1.0".getBytes(UTF_8));
    headers.put("ce_id", id.getBytes(UTF_8));
    headers.put("ce_source", "elsewhere".getBytes(UTF_8));
    if (type != null) {
      headers.put("ce_type", type.getBytes(UTF_8));
    }
    headers.put("ce_time", "2026-01-01T00:00:00Z".getBytes(UTF_8));
    headers.put("content-type", "application/json".getBytes(UTF_8));
    return transport.send(new OutgoingRecord(topic, id, "{}".getBytes(UTF_8), headers));
  }

  private static EventMetadata metadata(String type) {
    return new EventMetadata("id", type, "source", Instant.EPOCH, null, "id", null, Map.of());
  }

  private double count(String name, String... tags) {
    return registry.get(name).tags(tags).counter().count();
  }

  private List<Meter> metersNamed(String name) {
    return List.copyOf(registry.find(name).meters());
  }

  private static void awaitUntil(BooleanSupplier condition, String description) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after %s waiting for %s", TIMEOUT, description);
      }
      LockSupport.parkNanos(1_000_000); // poll the condition; no assumption about how long anything takes
    }
  }
}

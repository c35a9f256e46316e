package dev.chorus.examples.orders;

import static dev.chorus.testkit.ChorusAssertions.assertThat;

import dev.chorus.EventFlow;
import dev.chorus.VirtualClock;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Output;
import dev.chorus.examples.RecordingBuses;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.testkit.ChorusTest;
import dev.chorus.testkit.TestEventBus;
import dev.chorus.testkit.TestEventBus.HandlingAttempt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@ChorusTest
class OrderLifecycleTest {

  @Test
  void threeInstancesOfOneGroupHandleEveryOrdersEventsInPublishOrderAcrossRetries(InMemoryTransport transport,
      VirtualClock clock) {
    RecordingBuses buses = new RecordingBuses(clock);
    Output out = new Output();
    OrderLifecycle.Result result;
    try (Environment env = Environment.inMemory(transport, clock).buildBusesWith(buses)) {
      result = OrderLifecycle.run(env, out.stream());
    }

    assertThat(result.orders()).isEqualTo(200);
    assertThat(result.events()).isEqualTo(600);
    assertThat(result.check().passed()).as("violations: %s", result.check().violations()).isTrue();
    assertThat(result.check()).isEqualTo(new OrderingCheck.Report(200, 600, 600, List.of()));
    assertThat(result.writesPerInstance()).containsOnlyKeys("order-history#1", "order-history#2", "order-history#3");
    assertThat(result.writesPerInstance().values()).allSatisfy(writes -> assertThat(writes).isPositive());
    assertThat(result.writesPerInstance().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(600);
    assertThat(result.ordersOnSeveralInstances()).isEmpty();

    // Independently of the order book: what each instance's bus recorded handling, per order.
    List<TestEventBus> instances = buses.instancesOf("order-history");
    assertThat(instances).hasSize(3);
    Map<String, List<Integer>> handledRevisions = new LinkedHashMap<>();
    List<Duration> retryDelays = new ArrayList<>();
    for (TestEventBus instance : instances) {
      assertThat(instance).handled("order-history", OrderEvent.class).isNotEmpty();
      for (HandlingAttempt attempt : instance.attempts()) {
        if (attempt.outcome() == HandlingAttempt.Outcome.SUCCEEDED) {
          OrderEvent event = (OrderEvent) attempt.event();
          handledRevisions.computeIfAbsent(event.orderId(), id -> new ArrayList<>()).add(event.revision());
        }
      }
      instance.retries().forEach(retry -> retryDelays.add(retry.delay()));
      assertThat(instance).retries("order-history").causes()
          .allSatisfy(cause -> assertThat(cause).isInstanceOf(TransientStoreException.class));
      assertThat(instance).deadLetters("order-history").isEmpty();
    }
    assertThat(handledRevisions).hasSize(200);
    assertThat(handledRevisions.values()).allSatisfy(revisions -> assertThat(revisions).containsExactly(1, 2, 3));
    assertThat(retryDelays).containsExactly(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(100),
        Duration.ofMillis(100), Duration.ofMillis(100));
    assertThat(OrderLifecycle.refusedWrites(200))
        .containsExactly("SO-0013@2", "SO-0053@2", "SO-0093@2", "SO-0133@2", "SO-0173@2");
    assertThat(buses.of("order-desk")).published(OrderCancelled.class).hasSize(66);

    EventFlow flow = result.flow();
    assertThat(flow.emits()).containsExactly(
        new EventFlow.Emits("order-desk", "sales.order-cancelled", 66),
        new EventFlow.Emits("order-desk", "sales.order-created", 200),
        new EventFlow.Emits("order-desk", "sales.order-modified", 334));
    assertThat(flow.consumes()).extracting(EventFlow.Consumes::group).containsOnly("order-history").hasSize(3);
    assertThat(out.narrated()).hasSize(5).allSatisfy(line -> assertThat(line).matches(
        "order-history failed sales\\.order-modified SO-0\\d\\d3 attempt 1 threw TransientStoreException: could not "
            + "serialize access due to concurrent update of SO-0\\d\\d3; next attempt in 100 ms"));
    assertThat(out.lines()).contains(
        "200 x order-desk published sales.order-created",
        "PASSED: all 200 orders had their 600 events handled once each, in publish order (600 writes), and end in the "
            + "state their events give",
        "orders whose events went to more than one instance: 0");
    buses.haveNoUnassertedFailures();
  }

  @Test
  void theOrderingCheckReportsEventsHandledOutOfOrderTwiceOrNeverAndWrongFinalStates() {
    OrderCreated created = new OrderCreated("SO-1", "cust-1", "tamper", 1, 2900, 1);
    OrderModified modified = new OrderModified("SO-1", 2, 5800, 2);
    OrderCancelled cancelled = new OrderCancelled("SO-1", "ordered by mistake", 3);
    Map<String, List<OrderEvent>> published = new LinkedHashMap<>();
    published.put("SO-1", List.of(created, modified, cancelled));
    published.put("SO-2", List.of(rename(created, "SO-2"), new OrderModified("SO-2", 2, 5800, 2)));
    published.put("SO-3", List.of(rename(created, "SO-3")));
    published.put("SO-4", List.of(rename(created, "SO-4"), new OrderModified("SO-4", 3, 8700, 2)));
    published.put("SO-5", List.of(rename(created, "SO-5")));
    List<OrderBook.Write> log = List.of(
        new OrderBook.Write("a", "SO-1", 1), new OrderBook.Write("a", "SO-1", 3), new OrderBook.Write("b", "SO-1", 2),
        new OrderBook.Write("a", "SO-2", 1),
        new OrderBook.Write("a", "SO-3", 1), new OrderBook.Write("b", "SO-3", 1),
        new OrderBook.Write("a", "SO-4", 1), new OrderBook.Write("a", "SO-4", 2),
        new OrderBook.Write("a", "SO-5", 1),
        new OrderBook.Write("a", "SO-9", 1));
    OrderSummary so4Created = OrderSummary.apply(null, rename(created, "SO-4"));
    Map<String, OrderSummary> summaries = Map.of(
        "SO-4", so4Created,
        "SO-5", OrderSummary.apply(null, rename(created, "SO-5")));

    OrderingCheck.Report report = OrderingCheck.check(published, log, summaries);

    assertThat(report.passed()).isFalse();
    assertThat(report.orders()).isEqualTo(5);
    assertThat(report.published()).isEqualTo(9);
    assertThat(report.handled()).isEqualTo(10);
    assertThat(report.violations()).containsExactly(
        "SO-1: published revisions [1, 2, 3] but handled [1, 3, 2]",
        "SO-2: published revisions [1, 2] but handled [1]",
        "SO-3: published revisions [1] but handled [1, 1]",
        "SO-4: final state " + so4Created + " but its events give "
            + OrderSummary.apply(so4Created, new OrderModified("SO-4", 3, 8700, 2)),
        "SO-9: handled but never published");
  }

  private static OrderCreated rename(OrderCreated created, String orderId) {
    return new OrderCreated(orderId, created.customerId(), created.sku(), created.quantity(), created.totalCents(),
        created.revision());
  }
}

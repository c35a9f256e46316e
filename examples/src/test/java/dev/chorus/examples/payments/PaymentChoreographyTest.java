package dev.chorus.examples.payments;

import static dev.chorus.testkit.ChorusAssertions.assertThat;

import dev.chorus.EventFlow;
import dev.chorus.EventMetadata;
import dev.chorus.VirtualClock;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Output;
import dev.chorus.examples.RecordingBuses;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.testkit.ChorusTest;
import dev.chorus.testkit.TestEventBus;
import dev.chorus.testkit.TestEventBus.PublishedEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

@ChorusTest
class PaymentChoreographyTest {

  static final List<OrderCreated> ORDERS = List.of(
      new OrderCreated("ord-5001", "pay-1001", "cust-ada", 1999, "EUR"),
      new OrderCreated("ord-5002", "pay-1002", "cust-grace", 4500, "EUR"),
      new OrderCreated("ord-5003", "pay-1003", "cust-ada", 12050, "EUR"),
      new OrderCreated("ord-5004", "pay-1004", "cust-linus", 899, "EUR"),
      new OrderCreated("ord-5005", "pay-1005", "cust-grace", 23000, "EUR"),
      new OrderCreated("ord-5006", "pay-1006", "cust-ada", 5400, "EUR"));

  static final Map<String, Long> BALANCES = Map.of("cust-ada", 19L + 120 + 54, "cust-grace", 45L + 230, "cust-linus", 8L);

  static final Map<Instant, Long> PER_HOUR = Map.of(
      Instant.parse("2026-03-02T10:00:00Z"), 2L, Instant.parse("2026-03-02T11:00:00Z"), 1L);

  @Test
  void everyPaymentBecomesAnOrderAndPointsWhileTheLaterAnalyticsGroupCountsOnlyWhatFollows(
      InMemoryTransport transport, VirtualClock clock) {
    RecordingBuses buses = new RecordingBuses(clock);
    Output out = new Output();
    PaymentChoreography.Result result;
    try (Environment env = Environment.inMemory(transport, clock).buildBusesWith(buses)) {
      result = PaymentChoreography.run(env, out.stream());
    }

    List<PaymentValidated> all = Stream.concat(PaymentChoreography.BEFORE_ANALYTICS.stream(),
        PaymentChoreography.AFTER_ANALYTICS.stream()).toList();
    assertThat(result.orders()).containsExactlyElementsOf(ORDERS);
    assertThat(result.loyaltyBalances()).isEqualTo(BALANCES);
    assertThat(result.paymentsPerHour()).isEqualTo(PER_HOUR);

    TestEventBus payments = buses.of("payment-service");
    TestEventBus orders = buses.of("order-service");
    TestEventBus loyalty = buses.of("loyalty-service");
    TestEventBus analytics = buses.of("payment-analytics");
    assertThat(payments).published(PaymentValidated.class).containsExactlyElementsOf(all);
    assertThat(orders).handled("order-service", PaymentValidated.class).containsExactlyInAnyOrderElementsOf(all);
    assertThat(orders).published(OrderCreated.class).containsExactlyInAnyOrderElementsOf(ORDERS);
    assertThat(loyalty).published(PointsAwarded.class).hasSize(6)
        .contains(new PointsAwarded("cust-linus", "pay-1004", 8, 8), new PointsAwarded("cust-grace", "pay-1002", 45, 45));
    assertThat(analytics).handled("payment-analytics", PaymentValidated.class)
        .containsExactlyInAnyOrderElementsOf(PaymentChoreography.AFTER_ANALYTICS);
    assertThat(orders).retries("order-service").isEmpty();
    assertThat(loyalty).retries("loyalty-service").isEmpty();
    assertThat(analytics).retries("payment-analytics").isEmpty();

    Map<String, EventMetadata> paymentEvents = payments.published().stream()
        .collect(Collectors.toMap(p -> ((PaymentValidated) p.event()).paymentId(), PublishedEvent::metadata));
    for (PublishedEvent order : orders.published()) {
      EventMetadata payment = paymentEvents.get(((OrderCreated) order.event()).paymentId());
      assertThat(order.metadata().causationId()).as("cause of " + order.event()).isEqualTo(payment.id());
      assertThat(order.metadata().correlationId()).as("chain of " + order.event()).isEqualTo(payment.id());
      assertThat(order.metadata().source()).isEqualTo("order-service");
    }

    EventFlow flow = result.flow();
    assertThat(flow.emits()).containsExactly(new EventFlow.Emits("payment-service", "payments.payment-validated", 6));
    assertThat(flow.consumes()).containsExactly(
        new EventFlow.Consumes("payments.payment-validated", "payments", "loyalty-service"),
        new EventFlow.Consumes("payments.payment-validated", "payments", "order-service"),
        new EventFlow.Consumes("payments.payment-validated", "payments", "payment-analytics"));
    assertThat(flow.publishes()).containsExactly(
        new EventFlow.Publishes("loyalty-service", "loyalty.points-awarded", 6),
        new EventFlow.Publishes("order-service", "orders.order-created", 6));

    List<String> narrated = out.narrated();
    assertThat(narrated).filteredOn(line -> line.startsWith("payment-service published")).hasSize(6);
    assertThat(narrated).filteredOn(line -> line.startsWith("payment-analytics handled")).containsExactlyInAnyOrder(
        "payment-analytics handled payments.payment-validated pay-1004",
        "payment-analytics handled payments.payment-validated pay-1005",
        "payment-analytics handled payments.payment-validated pay-1006");
    assertThat(narrated).anySatisfy(line -> assertThat(line).startsWith(
        "order-service published orders.order-created ord-5001 -> orders[").endsWith(
        ", caused by payments.payment-validated pay-1001"));
    assertThat(out.lines()).contains(
        "loyalty-service    balances {cust-ada=193, cust-grace=275, cust-linus=8}",
        "payment-analytics  payments per hour (it saw only those after it joined) "
            + "{2026-03-02T10:00:00Z=2, 2026-03-02T11:00:00Z=1}",
        "```mermaid",
        "s_payment_service -- \"6\" --> t_payments_payment_validated",
        "t_payments_payment_validated --> g_payment_analytics",
        "g_order_service -- \"6\" --> t_orders_order_created");
    assertThat(narrated).allSatisfy(line -> assertThat(line).doesNotContain("caused by event "));
    buses.haveNoUnassertedFailures();
  }
}

package dev.chorus.examples.payments;

import dev.chorus.EventFlow;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Narrator;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Scenario 1, payment choreography: a validated payment makes the order service create an order
 * and the loyalty service award points, without the payment service knowing either. Half-way
 * through, the analytics team adds a consumer that counts payments per hour: a new consumer group,
 * and no producer changes.
 *
 * <p>Four services, each with its own bus: {@code payment-service} publishes
 * {@link PaymentValidated}; {@code order-service} publishes {@link OrderCreated};
 * {@code loyalty-service} publishes {@link PointsAwarded}; {@code payment-analytics} only counts.
 */
public final class PaymentChoreography {

  /** The order service's consumer group, before an environment's run suffix. */
  static final String ORDERS = "order-service";
  /** The loyalty service's consumer group. */
  static final String LOYALTY = "loyalty-service";
  /** The analytics consumer group, added half-way. */
  static final String ANALYTICS = "payment-analytics";

  /** Validated before the analytics consumer exists. */
  static final List<PaymentValidated> BEFORE_ANALYTICS = List.of(
      payment("pay-1001", "ord-5001", "cust-ada", 1999, "2026-03-02T09:14:05Z"),
      payment("pay-1002", "ord-5002", "cust-grace", 4500, "2026-03-02T09:41:37Z"),
      payment("pay-1003", "ord-5003", "cust-ada", 12050, "2026-03-02T10:02:11Z"));

  /** Validated after the analytics consumer joined. */
  static final List<PaymentValidated> AFTER_ANALYTICS = List.of(
      payment("pay-1004", "ord-5004", "cust-linus", 899, "2026-03-02T10:27:50Z"),
      payment("pay-1005", "ord-5005", "cust-grace", 23000, "2026-03-02T10:58:02Z"),
      payment("pay-1006", "ord-5006", "cust-ada", 5400, "2026-03-02T11:06:44Z"));

  private PaymentChoreography() {}

  /**
   * What the scenario did, as the services recorded it.
   *
   * @param orders the orders the order service created, by order id
   * @param loyaltyBalances every customer's points, by customer id
   * @param paymentsPerHour the payments the analytics consumer counted, per hour of validation
   * @param flow the scenario's flow map
   */
  public record Result(List<OrderCreated> orders, Map<String, Long> loyaltyBalances,
      Map<Instant, Long> paymentsPerHour, EventFlow flow) {

    /**
     * Copies the collections.
     *
     * @param orders see {@link #orders()}
     * @param loyaltyBalances see {@link #loyaltyBalances()}
     * @param paymentsPerHour see {@link #paymentsPerHour()}
     * @param flow see {@link #flow()}
     */
    public Result {
      orders = List.copyOf(orders);
      loyaltyBalances = Map.copyOf(loyaltyBalances);
      paymentsPerHour = Map.copyOf(paymentsPerHour);
      Objects.requireNonNull(flow, "flow");
    }
  }

  /**
   * Runs the scenario and narrates it.
   *
   * @param env where the services run
   * @param out where the narrative goes
   * @return what happened
   * @throws IllegalStateException if the scenario does not settle within
   *     {@link Environment#SETTLE_TIMEOUT}
   */
  public static Result run(Environment env, PrintStream out) {
    Narrator narrator = new Narrator(out, env.clock(), Narrator.Mode.EVERY_EVENT);
    PaymentService payments = new PaymentService(env.bus("payment-service", narrator));
    OrderService orders = new OrderService(env.bus("order-service", narrator), env.group(ORDERS));
    LoyaltyService loyalty = new LoyaltyService(env.bus("loyalty-service", narrator), env.group(LOYALTY));
    PaymentAnalytics analytics = new PaymentAnalytics(env.bus("payment-analytics", narrator), env.group(ANALYTICS));

    orders.start();
    loyalty.start();
    out.println("order-service and loyalty-service subscribe to payments.payment-validated; payment-service "
        + "publishes three payments:");
    BEFORE_ANALYTICS.forEach(payments::paymentValidated);
    env.settle();
    narrator.flush();

    out.println();
    out.println("payment-analytics is deployed: a new consumer group, starting at the latest position. No producer "
        + "was changed or redeployed. Three more payments:");
    analytics.start();
    AFTER_ANALYTICS.forEach(payments::paymentValidated);
    env.settle();
    narrator.flush();

    Result result = new Result(orders.orders(), loyalty.balances(), analytics.paymentsPerHour(), env.flow());
    out.println();
    out.println("What the services recorded:");
    for (OrderCreated order : result.orders()) {
      out.printf(Locale.ROOT, "  order-service      order %s for %s: %s (paid by %s)%n", order.orderId(),
          order.customerId(), money(order.amountCents(), order.currency()), order.paymentId());
    }
    out.println("  loyalty-service    balances " + loyalty.balances());
    out.println("  payment-analytics  payments per hour (it saw only those after it joined) "
        + analytics.paymentsPerHour());
    narrator.printFlowMap(result.flow());
    return result;
  }

  private static PaymentValidated payment(String paymentId, String orderId, String customerId, long amountCents,
      String validatedAt) {
    return new PaymentValidated(paymentId, orderId, customerId, amountCents, "EUR", Instant.parse(validatedAt));
  }

  private static String money(long cents, String currency) {
    return String.format(Locale.ROOT, "%d.%02d %s", cents / 100, cents % 100, currency);
  }
}

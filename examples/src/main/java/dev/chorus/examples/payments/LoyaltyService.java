package dev.chorus.examples.payments;

import dev.chorus.EventBus;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The loyalty service: credits one point per whole currency unit of every validated payment and
 * announces the new balance. A redelivered payment is not credited again, but its announcement is
 * repeated, in case the first one was not published.
 */
final class LoyaltyService {

  private final EventBus bus;
  private final String group;
  private final Map<String, Long> balances = new HashMap<>();
  private final Map<String, PointsAwarded> credited = new HashMap<>();

  LoyaltyService(EventBus bus, String group) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.group = Objects.requireNonNull(group, "group");
  }

  void start() {
    bus.subscribe(PaymentValidated.class)
        .group(group)
        .handle((payment, ctx) -> {
          ctx.publish(credit(payment));
        });
  }

  /** Credits the payment's points once; returns what was credited for it. */
  private synchronized PointsAwarded credit(PaymentValidated payment) {
    return credited.computeIfAbsent(payment.paymentId(), id -> {
      long points = payment.amountCents() / 100;
      long balance = balances.merge(payment.customerId(), points, Long::sum);
      return new PointsAwarded(payment.customerId(), id, points, balance);
    });
  }

  /** Every customer's balance, by customer id. */
  synchronized Map<String, Long> balances() {
    return new TreeMap<>(balances);
  }
}

package dev.chorus.examples.payments;

import dev.chorus.EventBus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The analytics team's consumer: counts validated payments per hour of validation (UTC). It was
 * added after the others and needed no change to any producer: it is just one more consumer group.
 */
final class PaymentAnalytics {

  private final EventBus bus;
  private final String group;
  private final Map<Instant, Long> perHour = new TreeMap<>();
  private final Set<String> counted = new HashSet<>();

  PaymentAnalytics(EventBus bus, String group) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.group = Objects.requireNonNull(group, "group");
  }

  void start() {
    bus.subscribe(PaymentValidated.class)
        .group(group)
        .handle((payment, ctx) -> count(payment));
  }

  private synchronized void count(PaymentValidated payment) {
    if (counted.add(payment.paymentId())) {
      perHour.merge(payment.validatedAt().truncatedTo(ChronoUnit.HOURS), 1L, Long::sum);
    }
  }

  /** Payments counted per hour, by the hour's start. */
  synchronized Map<Instant, Long> paymentsPerHour() {
    return new TreeMap<>(perHour);
  }
}

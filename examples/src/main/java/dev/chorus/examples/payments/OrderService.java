package dev.chorus.examples.payments;

import dev.chorus.EventBus;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The order service: creates an order for every validated payment and announces it. Creating is
 * idempotent, so a redelivered payment (delivery is at least once) creates nothing twice.
 */
final class OrderService {

  private final EventBus bus;
  private final String group;
  private final Map<String, OrderCreated> orders = new ConcurrentHashMap<>();

  OrderService(EventBus bus, String group) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.group = Objects.requireNonNull(group, "group");
  }

  void start() {
    bus.subscribe(PaymentValidated.class)
        .group(group)
        .handle((payment, ctx) -> {
          OrderCreated order = orders.computeIfAbsent(payment.orderId(), id -> new OrderCreated(id,
              payment.paymentId(), payment.customerId(), payment.amountCents(), payment.currency()));
          ctx.publish(order);
        });
  }

  /** The orders created so far, by order id. */
  List<OrderCreated> orders() {
    return orders.values().stream().sorted(Comparator.comparing(OrderCreated::orderId)).toList();
  }
}

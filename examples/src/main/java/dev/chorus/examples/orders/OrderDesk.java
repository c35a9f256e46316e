package dev.chorus.examples.orders;

import dev.chorus.EventBus;
import dev.chorus.PublishReceipt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The sales desk: publishes what happens to orders. For each order, in three rounds over all
 * orders (so that the events of one order are far apart in the stream): it is created, then
 * modified, then either cancelled (every third order) or modified again. Remembers what it
 * published for each order, in publish order.
 */
final class OrderDesk {

  private static final String[] SKUS = {"espresso-machine", "burr-grinder", "milk-jug", "tamper", "scale"};
  private static final long[] PRICES = {34900, 12900, 1900, 2900, 4500};
  private static final String[] REASONS = {"ordered by mistake", "found it cheaper elsewhere", "delivery too late"};

  private final EventBus bus;
  private final Map<String, List<OrderEvent>> published = new LinkedHashMap<>();

  OrderDesk(EventBus bus) {
    this.bus = Objects.requireNonNull(bus, "bus");
  }

  /** The id of the i-th order, 1-based. */
  static String orderId(int i) {
    return String.format(Locale.ROOT, "SO-%04d", i);
  }

  /**
   * Publishes the lifecycles of {@code orders} orders, three events each, and waits until the
   * transport accepted them all.
   *
   * @return how many events were published
   */
  synchronized int publishLifecycles(int orders) {
    List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
    for (int i = 1; i <= orders; i++) {
      int article = i % SKUS.length;
      int quantity = 1 + i % 3;
      sent.add(publish(new OrderCreated(orderId(i), "cust-" + (100 + i % 37), SKUS[article], quantity,
          quantity * PRICES[article], 1)));
    }
    for (int i = 1; i <= orders; i++) {
      int quantity = 2 + i % 3;
      sent.add(publish(new OrderModified(orderId(i), quantity, quantity * PRICES[i % SKUS.length], 2)));
    }
    for (int i = 1; i <= orders; i++) {
      if (i % 3 == 0) {
        sent.add(publish(new OrderCancelled(orderId(i), REASONS[i % REASONS.length], 3)));
      } else {
        int quantity = 1 + i % 5;
        sent.add(publish(new OrderModified(orderId(i), quantity, quantity * PRICES[i % SKUS.length], 3)));
      }
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
    return sent.size();
  }

  private CompletableFuture<PublishReceipt> publish(OrderEvent event) {
    published.computeIfAbsent(event.orderId(), id -> new ArrayList<>()).add(event);
    return bus.publish(event);
  }

  /** The events published for each order, in publish order. */
  synchronized Map<String, List<OrderEvent>> published() {
    Map<String, List<OrderEvent>> copy = new LinkedHashMap<>();
    published.forEach((order, events) -> copy.put(order, List.copyOf(events)));
    return copy;
  }
}

package dev.chorus.examples.orders;

import dev.chorus.EventBus;
import dev.chorus.RetryPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * One instance of the order history service: it keeps every order's summary up to date in the
 * shared {@link OrderBook}. Several instances run in one consumer group and share the topic's
 * partitions; each handles up to four orders at once, never two events of one order at once, and
 * each order's events in order. A refused write is retried after 100 ms, and the order's later
 * events wait meanwhile.
 */
final class OrderHistory {

  /** Three attempts, 100 ms apart, for transient database errors only. */
  static final RetryPolicy RETRY = RetryPolicy.fixed(3, Duration.ofMillis(100)).retryOn(TransientStoreException.class);

  private final EventBus bus;
  private final String group;
  private final String instance;
  private final OrderBook book;

  OrderHistory(EventBus bus, String group, String instance, OrderBook book) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.group = Objects.requireNonNull(group, "group");
    this.instance = Objects.requireNonNull(instance, "instance");
    this.book = Objects.requireNonNull(book, "book");
  }

  void start() {
    bus.subscribe(OrderEvent.class)
        .group(group)
        .concurrency(4)
        .retry(RETRY)
        .handle((event, ctx) -> book.apply(instance, event));
  }
}

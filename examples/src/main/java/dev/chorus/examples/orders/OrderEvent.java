package dev.chorus.examples.orders;

/**
 * Everything that happens to an order, on the {@code sales.orders} topic, keyed by order id: a
 * subscription to this interface receives every kind, in order per order.
 */
public sealed interface OrderEvent permits OrderCreated, OrderModified, OrderCancelled {

  /**
   * The order the event is about.
   *
   * @return the order id
   */
  String orderId();

  /**
   * The order's revision after this event: 1 when created, one more with every change.
   *
   * @return the revision, at least 1
   */
  int revision();
}

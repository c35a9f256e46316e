package dev.chorus.examples.orders;

/**
 * An order as the order history shows it: the result of applying its events in order.
 *
 * @param orderId the order
 * @param customerId the customer
 * @param sku the article
 * @param quantity how many
 * @param totalCents the total, in cents
 * @param cancelled whether it was cancelled
 * @param revision the revision of the last event applied
 */
public record OrderSummary(String orderId, String customerId, String sku, int quantity, long totalCents,
    boolean cancelled, int revision) {

  /**
   * The summary after {@code event}, applied to {@code before} (null before the order exists).
   *
   * @param before the summary so far, or null
   * @param event the next event
   * @return the new summary
   * @throws IllegalStateException if the event does not apply: a change to an order that does not
   *     exist yet
   */
  public static OrderSummary apply(OrderSummary before, OrderEvent event) {
    if (event instanceof OrderCreated created) {
      return new OrderSummary(created.orderId(), created.customerId(), created.sku(), created.quantity(),
          created.totalCents(), false, created.revision());
    }
    if (before == null) {
      throw new IllegalStateException("order " + event.orderId() + " changed before it was created: " + event);
    }
    if (event instanceof OrderModified modified) {
      return new OrderSummary(before.orderId(), before.customerId(), before.sku(), modified.quantity(),
          modified.totalCents(), before.cancelled(), modified.revision());
    }
    return new OrderSummary(before.orderId(), before.customerId(), before.sku(), before.quantity(),
        before.totalCents(), true, event.revision());
  }
}

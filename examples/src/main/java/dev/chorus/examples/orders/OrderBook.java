package dev.chorus.examples.orders;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order history's database, shared by all its instances: the summary of each order, and a
 * log of every write in the order the writes happened (which instance applied which revision of
 * which order). It refuses the first write of some given order revisions with a transient error,
 * as a busy database does, so that retries happen. Thread-safe.
 */
final class OrderBook {

  /**
   * One successful write.
   *
   * @param instance the instance that wrote
   * @param orderId the order
   * @param revision the revision of the event applied
   */
  record Write(String instance, String orderId, int revision) {}

  private final Map<String, OrderSummary> orders = new HashMap<>();
  private final List<Write> log = new ArrayList<>();
  private final Set<String> refuseOnce;

  /**
   * A book that refuses, once each, the writes of these order revisions.
   *
   * @param refuseOnce entries {@code orderId + "@" + revision}
   */
  OrderBook(Set<String> refuseOnce) {
    this.refuseOnce = new HashSet<>(refuseOnce);
  }

  /** Applies an event to its order's summary and logs the write. */
  synchronized void apply(String instance, OrderEvent event) throws TransientStoreException {
    if (refuseOnce.remove(event.orderId() + "@" + event.revision())) {
      throw new TransientStoreException("could not serialize access due to concurrent update of " + event.orderId());
    }
    orders.put(event.orderId(), OrderSummary.apply(orders.get(event.orderId()), event));
    log.add(new Write(instance, event.orderId(), event.revision()));
  }

  /** Every write so far, in the order they happened. */
  synchronized List<Write> log() {
    return List.copyOf(log);
  }

  /** Every order's summary, by order id. */
  synchronized Map<String, OrderSummary> orders() {
    return Map.copyOf(orders);
  }
}

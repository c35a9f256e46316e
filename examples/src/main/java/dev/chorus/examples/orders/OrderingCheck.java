package dev.chorus.examples.orders;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks, from what was recorded, that every order's events were handled in the order they were
 * published: for each order, the revisions in the order book's write log (in the order the writes
 * happened, whichever instance made them) must be exactly the published ones, each once, in publish
 * order; and the order's final summary must be the one its published events give.
 */
public final class OrderingCheck {

  private OrderingCheck() {}

  /**
   * The outcome of the check.
   *
   * @param orders how many orders were published
   * @param published how many events were published
   * @param handled how many writes the log holds
   * @param violations one line per order that was not handled in order (empty if all were)
   */
  public record Report(int orders, int published, int handled, List<String> violations) {

    /**
     * Copies the violations.
     *
     * @param orders see {@link #orders()}
     * @param published see {@link #published()}
     * @param handled see {@link #handled()}
     * @param violations see {@link #violations()}
     */
    public Report {
      violations = List.copyOf(violations);
    }

    /**
     * Whether every order's events were handled once each, in publish order.
     *
     * @return true if there is no violation
     */
    public boolean passed() {
      return violations.isEmpty();
    }
  }

  /**
   * Runs the check.
   *
   * @param published the events published for each order, in publish order
   * @param log the writes, in the order they happened
   * @param summaries the final summary of each order in the book
   * @return the report
   */
  static Report check(Map<String, List<OrderEvent>> published, List<OrderBook.Write> log,
      Map<String, OrderSummary> summaries) {
    Map<String, List<Integer>> handled = new LinkedHashMap<>();
    for (OrderBook.Write write : log) {
      handled.computeIfAbsent(write.orderId(), id -> new ArrayList<>()).add(write.revision());
    }
    List<String> violations = new ArrayList<>();
    int events = 0;
    for (Map.Entry<String, List<OrderEvent>> order : published.entrySet()) {
      List<Integer> expected = order.getValue().stream().map(OrderEvent::revision).toList();
      List<Integer> actual = handled.getOrDefault(order.getKey(), List.of());
      events += expected.size();
      if (!actual.equals(expected)) {
        violations.add(order.getKey() + ": published revisions " + expected + " but handled " + actual);
        continue;
      }
      OrderSummary want = null;
      for (OrderEvent event : order.getValue()) {
        want = OrderSummary.apply(want, event);
      }
      OrderSummary got = summaries.get(order.getKey());
      if (!Objects.equals(got, want)) {
        violations.add(order.getKey() + ": final state " + got + " but its events give " + want);
      }
    }
    for (String order : handled.keySet()) {
      if (!published.containsKey(order)) {
        violations.add(order + ": handled but never published");
      }
    }
    return new Report(published.size(), events, log.size(), violations);
  }
}

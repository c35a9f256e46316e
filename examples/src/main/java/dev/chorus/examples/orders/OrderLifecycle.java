package dev.chorus.examples.orders;

import dev.chorus.EventFlow;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Narrator;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Scenario 3, order lifecycle: the sales desk publishes the lifecycle of many orders (created,
 * modified, then cancelled or modified again; 200 orders and 600 events by default), keyed by order
 * id. Several instances of the order history service, one consumer group, share the work: each is a
 * separate bus with its own transport client, as separate processes would be. A few database writes
 * fail once and are retried, which holds back that order's later events. At the end a check
 * compares what was handled, in the order it was handled, with what was published.
 */
public final class OrderLifecycle {

  /** The order history's consumer group, before an environment's run suffix. */
  static final String HISTORY = "order-history";
  /** The default number of orders. */
  static final int ORDERS = 200;
  /** The default number of order history instances. */
  static final int INSTANCES = 3;

  private OrderLifecycle() {}

  /**
   * What the scenario did.
   *
   * @param orders how many orders were published
   * @param events how many events were published
   * @param writesPerInstance how many events each order history instance handled, by instance
   * @param ordersOnSeveralInstances orders whose events were handled by more than one instance
   * @param check the ordering check
   * @param flow the scenario's flow map
   */
  public record Result(int orders, int events, Map<String, Integer> writesPerInstance,
      Set<String> ordersOnSeveralInstances, OrderingCheck.Report check, EventFlow flow) {

    /**
     * Copies the collections.
     *
     * @param orders see {@link #orders()}
     * @param events see {@link #events()}
     * @param writesPerInstance see {@link #writesPerInstance()}
     * @param ordersOnSeveralInstances see {@link #ordersOnSeveralInstances()}
     * @param check see {@link #check()}
     * @param flow see {@link #flow()}
     */
    public Result {
      writesPerInstance = Map.copyOf(writesPerInstance);
      ordersOnSeveralInstances = Set.copyOf(ordersOnSeveralInstances);
      Objects.requireNonNull(check, "check");
      Objects.requireNonNull(flow, "flow");
    }
  }

  /**
   * Runs the scenario with 200 orders and three order history instances, and narrates it.
   *
   * @param env where the services run
   * @param out where the narrative goes
   * @return what happened
   * @throws IllegalStateException if the scenario does not settle within
   *     {@link Environment#SETTLE_TIMEOUT}
   */
  public static Result run(Environment env, PrintStream out) {
    return run(env, out, ORDERS, INSTANCES);
  }

  /**
   * Runs the scenario and narrates it.
   *
   * @param env where the services run
   * @param out where the narrative goes
   * @param orders how many orders, at least 1
   * @param instances how many order history instances, at least 1
   * @return what happened
   * @throws IllegalArgumentException if orders or instances is below 1
   * @throws IllegalStateException if the scenario does not settle within
   *     {@link Environment#SETTLE_TIMEOUT}
   */
  public static Result run(Environment env, PrintStream out, int orders, int instances) {
    if (orders < 1 || instances < 1) {
      throw new IllegalArgumentException("orders and instances must be at least 1: " + orders + ", " + instances);
    }
    Narrator narrator = new Narrator(out, env.clock(), Narrator.Mode.FAILURES_ONLY);
    OrderBook book = new OrderBook(refusedWrites(orders));
    String group = env.group(HISTORY);
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= instances; i++) {
      String instance = HISTORY + "#" + i;
      new OrderHistory(env.bus(HISTORY, narrator), group, instance, book).start();
      names.add(instance);
    }
    OrderDesk desk = new OrderDesk(env.bus("order-desk", narrator));
    out.println(instances + " instances of group " + group + " (a bus and transport client each) share the "
        + "partitions of sales.orders. The order desk publishes the lifecycles of " + orders + " orders; "
        + "only retries and dead letters are narrated:");
    int events = desk.publishLifecycles(orders);
    env.settle();
    narrator.flush();

    List<OrderBook.Write> log = book.log();
    OrderingCheck.Report check = OrderingCheck.check(desk.published(), log, book.orders());
    Map<String, Integer> perInstance = new TreeMap<>();
    names.forEach(name -> perInstance.put(name, 0));
    Map<String, Set<String>> instancesPerOrder = new LinkedHashMap<>();
    for (OrderBook.Write write : log) {
      perInstance.merge(write.instance(), 1, Integer::sum);
      instancesPerOrder.computeIfAbsent(write.orderId(), id -> new TreeSet<>()).add(write.instance());
    }
    Set<String> shared = instancesPerOrder.entrySet().stream().filter(entry -> entry.getValue().size() > 1)
        .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
    Result result = new Result(orders, events, perInstance, shared, check, env.flow());

    out.println();
    out.println("What the listener counted:");
    narrator.printCounts();
    out.println("What the order book recorded:");
    perInstance.forEach((instance, writes) -> out.println("  " + instance + " handled " + writes + " events of "
        + instancesPerOrder.values().stream().filter(set -> set.contains(instance)).count() + " orders"));
    out.println("  orders whose events went to more than one instance: " + shared.size()
        + (shared.isEmpty() ? "" : " " + shared));
    out.println("Ordering check (the book's write log against the desk's publish order, per order):");
    if (check.passed()) {
      out.println("  PASSED: all " + check.orders() + " orders had their " + check.published() + " events handled "
          + "once each, in publish order (" + check.handled() + " writes), and end in the state their events give");
    } else {
      out.println("  FAILED for " + check.violations().size() + " of " + check.orders() + " orders ("
          + check.published() + " events published, " + check.handled() + " writes):");
      check.violations().stream().limit(10).forEach(violation -> out.println("    " + violation));
    }
    narrator.printFlowMap(result.flow());
    return result;
  }

  /** The writes the book refuses once: revision 2 of every 40th order, starting with the 13th. */
  static Set<String> refusedWrites(int orders) {
    Set<String> refused = new TreeSet<>();
    for (int i = 13; i <= orders; i += 40) {
      refused.add(OrderDesk.orderId(i) + "@2");
    }
    return refused;
  }
}

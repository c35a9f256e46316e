package dev.chorus.benchmarks;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The events every contender sends: the same ~200-byte JSON record with a string key, one type
 * per scenario because a Chorus event type names its topic.
 */
public final class Events {

  /** Topic of the publish scenario. */
  static final String PUBLISH_TOPIC = "bench-publish";
  /** Topic of the consume scenario, filled once and read by every contender from the start. */
  static final String CONSUME_TOPIC = "bench-consume";
  /** Topic of the latency scenario. */
  static final String LATENCY_TOPIC = "bench-latency";
  /** Topic of the key-level parallelism scenario (4 partitions). */
  static final String KEYED_TOPIC = "bench-keyed";
  /** Topic of the Kafka backlog memory scenario. */
  static final String BACKLOG_TOPIC = "bench-backlog";
  /** Topic of the in-memory scenarios. */
  static final String IN_MEMORY_TOPIC = "bench-in-memory";

  private Events() {}

  /**
   * The payload all events carry.
   *
   * @param customerId customer
   * @param sku article number
   * @param quantity how many
   * @param amountCents price in cents
   * @param currency ISO currency code
   * @param country shipping country
   * @param note free text
   */
  public record Order(String customerId, String sku, int quantity, long amountCents, String currency,
      String country, String note) {

    /**
     * The order number {@code i}, always the same for the same {@code i}.
     *
     * @param i sequence number
     * @return the order
     */
    static Order number(long i) {
      return new Order("customer-" + (i % 9973), "SKU-" + (100_000 + i % 5000), (int) (1 + i % 7),
          1999 + i % 10_000, "EUR", "DE", "leave at the door, ring twice");
    }
  }

  /**
   * Published in the publish scenario.
   *
   * @param orderId the key
   * @param order the payload
   * @param sentNanos {@link System#nanoTime()} when it was meant to be sent
   */
  @EventType(value = "bench.order-placed", topic = PUBLISH_TOPIC)
  public record Published(@EventKey String orderId, Order order, long sentNanos) {}

  /**
   * Read in the consume scenario.
   *
   * @param orderId the key
   * @param order the payload
   * @param sentNanos {@link System#nanoTime()} when it was meant to be sent
   */
  @EventType(value = "bench.order-placed", topic = CONSUME_TOPIC)
  public record Consumed(@EventKey String orderId, Order order, long sentNanos) {}

  /**
   * Sent and received in the latency scenario.
   *
   * @param orderId the key
   * @param order the payload
   * @param sentNanos {@link System#nanoTime()} when it was meant to be sent
   */
  @EventType(value = "bench.order-placed", topic = LATENCY_TOPIC)
  public record Timed(@EventKey String orderId, Order order, long sentNanos) {}

  /**
   * Handled by a blocking handler in the key-level parallelism scenario.
   *
   * @param orderId the key
   * @param order the payload
   * @param sentNanos {@link System#nanoTime()} when it was meant to be sent
   */
  @EventType(value = "bench.order-placed", topic = KEYED_TOPIC)
  public record Keyed(@EventKey String orderId, Order order, long sentNanos) {}

  /**
   * Read from the backlog in the Kafka memory scenario.
   *
   * @param orderId the key
   * @param order the payload
   * @param sentNanos {@link System#nanoTime()} when it was meant to be sent
   */
  @EventType(value = "bench.order-placed", topic = BACKLOG_TOPIC)
  public record Backlog(@EventKey String orderId, Order order, long sentNanos) {}

  /**
   * Published and handled in memory.
   *
   * @param orderId the key
   * @param order the payload
   * @param sentNanos {@link System#nanoTime()} when it was meant to be sent
   */
  @EventType(value = "bench.order-placed", topic = IN_MEMORY_TOPIC)
  public record Local(@EventKey String orderId, Order order, long sentNanos) {}

  /**
   * The key of event {@code i} among {@code keys} distinct keys.
   *
   * @param i sequence number
   * @param keys how many distinct keys
   * @return the key
   */
  static String key(long i, int keys) {
    return "order-" + (i % keys);
  }
}

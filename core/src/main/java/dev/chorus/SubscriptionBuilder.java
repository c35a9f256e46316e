package dev.chorus;

/**
 * Configures a subscription; {@link #handle(EventHandler)} starts it. Obtained from
 * {@link EventBus#subscribe(Class)}. Not thread-safe; each setter validates at once.
 *
 * <pre>{@code
 * Subscription sub = bus.subscribe(PaymentValidated.class)
 *     .group("orders")
 *     .retry(RetryPolicy.exponential(5, Duration.ofMillis(100)))
 *     .deadLetter(DeadLetterPolicy.deadLetterTopic())
 *     .concurrency(4)
 *     .handle((event, ctx) -> orders.create(event.orderId()));
 * }</pre>
 *
 * @param <E> the subscribed event type (a class, or a sealed interface for all its subtypes)
 */
public interface SubscriptionBuilder<E> {

  /**
   * The consumer group; required. Every group receives every event; the subscriptions of one
   * group share its partitions.
   *
   * @param group the group name: letters, digits, {@code .}, {@code _}, {@code -}
   * @return this builder
   * @throws IllegalArgumentException if the name is not valid
   */
  SubscriptionBuilder<E> group(String group);

  /**
   * The retry policy; default {@code RetryPolicy.exponential(3, 100 ms)}.
   *
   * @param policy the policy
   * @return this builder
   */
  SubscriptionBuilder<E> retry(RetryPolicy policy);

  /**
   * The dead-letter policy; default {@link DeadLetterPolicy#deadLetterTopic()}.
   *
   * @param policy the policy
   * @return this builder
   */
  SubscriptionBuilder<E> deadLetter(DeadLetterPolicy policy);

  /**
   * How many events may be handled at once; never two of one key, and each key's events in
   * order. Default 1.
   *
   * @param concurrency at least 1, at most 1024
   * @return this builder
   * @throws IllegalArgumentException if out of range
   */
  SubscriptionBuilder<E> concurrency(int concurrency);

  /**
   * Where a new group starts; default {@link StartPosition#LATEST}. A group with committed
   * positions resumes from them.
   *
   * @param position the start position
   * @return this builder
   */
  SubscriptionBuilder<E> startFrom(StartPosition position);

  /**
   * Starts the subscription with this handler.
   *
   * @param handler the handler
   * @return the running subscription
   * @throws IllegalStateException if no group was set or the bus is closed
   */
  Subscription handle(EventHandler<? super E> handler);
}

package dev.chorus;

/**
 * User logic that reacts to one event. Returning normally means the event was handled;
 * throwing means the attempt failed and the subscription's {@link RetryPolicy} decides what
 * happens next.
 *
 * <p>Called on one of the subscription's handler threads ({@code chorus-<group>-handler-N}),
 * never for two events of one key at once. With {@code concurrency(n) > 1} the same instance
 * is called concurrently for events of different keys, so it must be thread-safe then. With
 * {@code concurrency(1)}, short calls (batches of up to about a millisecond by recent times,
 * so single calls of up to about that) may run on the subscription's poll thread
 * ({@code chorus-<group>-poll-N}) instead, as in a hand-written poll loop, which saves two
 * thread wake-ups a poll; should such a call run long, the handler thread polls in its place
 * meanwhile, so a hanging handler never stops the member from rebalancing or closing. Either way
 * one call at a time.
 *
 * @param <E> the event type
 */
@FunctionalInterface
public interface EventHandler<E> {

  /**
   * Handles one event.
   *
   * @param event the decoded event
   * @param context its metadata, the attempt number, and a publisher that links follow-up
   *     events to this one
   * @throws Exception to fail this attempt; {@link NonRetryableException} skips the remaining
   *     attempts
   */
  void handle(E event, EventContext context) throws Exception;
}

package dev.chorus;

import java.util.Set;

/**
 * A running subscription: one member of a consumer group, handling the events of its type on
 * the partitions the group gives it. Thread-safe.
 */
public interface Subscription extends AutoCloseable {

  /** The life of a subscription. */
  enum State {
    /** Polling and handling events. */
    RUNNING,
    /** Stopped at a failed event by {@link DeadLetterPolicy#stopSubscription()}. */
    FAILED,
    /** Closed by {@link #close()} or by closing its bus. */
    CLOSED
  }

  /**
   * The consumer group this subscription belongs to.
   *
   * @return the group name
   */
  String group();

  /**
   * The topics this subscription reads.
   *
   * @return the topic names
   */
  Set<String> topics();

  /**
   * The current state.
   *
   * @return the state
   */
  State state();

  /**
   * Stops taking new events, lets in-flight handlers finish (bounded by the bus's shutdown
   * timeout), commits positions and leaves the group, so its partitions go to the group's
   * other members. Idempotent; a {@link State#FAILED} subscription stays {@code FAILED}.
   */
  @Override
  void close();
}

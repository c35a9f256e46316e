package dev.chorus;

import java.time.Duration;

/**
 * Observes what a bus does, for metrics, tracing and logs. Every method has a no-op default;
 * override what you need. Exceptions a listener throws are logged at WARN and otherwise ignored.
 *
 * <p>Threads: {@link #onPublished} and {@link #onPublishFailed} run on the thread that completes
 * the transport's send (the publishing thread on the in-memory transport, the producer's network
 * thread on Kafka), or on the publishing thread when the event failed before reaching the
 * transport (it could not be encoded, say). Every other method runs on the poll thread of the
 * subscription concerned, named {@code chorus-<group>-poll-<n>} (or, while a handler call of a
 * {@code concurrency(1)} subscription runs long on that thread, on its handler thread polling in
 * its place); the MDC keys of a handler are not set there. So a listener is called concurrently from several threads, must be thread-safe,
 * and must not block: a slow listener slows publishing acknowledgements or a subscription.
 */
public interface EventBusListener {

  /** A listener that does nothing. */
  EventBusListener NONE = new EventBusListener() {};

  /**
   * An event was durably accepted by the transport.
   *
   * @param metadata the event's metadata
   * @param receipt where it was stored
   */
  default void onPublished(EventMetadata metadata, PublishReceipt receipt) {}

  /**
   * A publish failed; the caller's future completed with this failure.
   *
   * @param metadata the event's metadata
   * @param topic the topic it was meant for
   * @param failure why it failed
   */
  default void onPublishFailed(EventMetadata metadata, String topic, Throwable failure) {}

  /**
   * A handler returned normally.
   *
   * @param metadata the event's metadata
   * @param group the subscription's group
   * @param attempt the attempt that succeeded, 1-based
   * @param duration how long the successful attempt took
   */
  default void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {}

  /**
   * A handler failed and another attempt was scheduled.
   *
   * @param metadata the event's metadata
   * @param group the subscription's group
   * @param attempt the attempt that failed, 1-based
   * @param delay the delay before the next attempt
   * @param cause what the handler threw
   */
  default void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable cause) {}

  /**
   * A dead letter was durably written to a dead-letter topic.
   *
   * @param deadLetter the dead letter
   * @param deadLetterTopic the topic it was written to
   */
  default void onDeadLettered(DeadLetter deadLetter, String deadLetterTopic) {}

  /**
   * A failed event was discarded by {@link DeadLetterPolicy#discard()}.
   *
   * @param deadLetter what would have been dead-lettered
   */
  default void onDiscarded(DeadLetter deadLetter) {}

  /**
   * A subscription with {@link DeadLetterPolicy#stopSubscription()} stopped at a failed event.
   *
   * @param deadLetter the event it stopped at and why
   */
  default void onSubscriptionFailed(DeadLetter deadLetter) {}

  /**
   * A record on a subscribed topic was deliberately not handled: its type is not one the
   * subscription asked for.
   *
   * @param metadata the record's metadata, as far as it could be read
   * @param group the subscription's group
   * @param reason why it was skipped
   */
  default void onSkipped(EventMetadata metadata, String group, String reason) {}
}

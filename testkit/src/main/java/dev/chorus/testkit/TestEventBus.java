package dev.chorus.testkit;

import dev.chorus.DeadLetter;
import dev.chorus.EventBus;
import dev.chorus.EventFlow;
import dev.chorus.EventHandler;
import dev.chorus.EventMetadata;
import dev.chorus.PublishOptions;
import dev.chorus.PublishReceipt;
import dev.chorus.Subscription;
import dev.chorus.SubscriptionBuilder;
import dev.chorus.VirtualClock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An {@link EventBus} for tests: a real bus, on any transport, that records what it observed so
 * that {@link ChorusAssertions#assertThat(TestEventBus)} can check it. It records
 *
 * <ul>
 *   <li>every event published through it or through the {@link dev.chorus.EventContext} of one
 *       of its handlers, with the metadata and receipt the transport acknowledged;
 *   <li>every handler attempt (group, decoded event, metadata, attempt number, outcome and what
 *       it threw);
 *   <li>every retry the engine scheduled (attempt, delay, cause), dead letter, discard, stopped
 *       subscription, failed publish and skipped record, as its {@link dev.chorus.EventBusListener}
 *       reports them.
 * </ul>
 *
 * <p>Use it where the code under test expects an {@code EventBus}:
 *
 * <pre>{@code
 * TestEventBus bus = TestEventBus.create(EventBus.builder()
 *     .transport(InMemoryTransport.create())      // or KafkaTransport.builder()...build()
 *     .clock(VirtualClock.autoAdvancing()));
 * new OrderService(bus).start();
 * bus.publish(new PaymentValidated("p1", "o1", 1999));
 * assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
 * assertThat(bus).handled("orders", PaymentValidated.class).hasSize(1);
 * }</pre>
 *
 * <p>It sees only what goes through it: events other buses publish on a shared transport show
 * up as handled (when its subscriptions handle them) but not as published. Assertions read
 * what was recorded and never wait; call {@link #awaitIdle(Duration)} (or
 * {@link #awaitAttempts} with a manual clock) first.
 *
 * <p>Thread-safe: handlers and listeners record from the bus's threads while the test reads.
 */
public final class TestEventBus implements EventBus {

  private static final Duration TIMER_WAIT = Duration.ofSeconds(10);

  private final EventBus bus;
  private final Recording recording;
  private final VirtualClock clock;

  private TestEventBus(EventBus bus, Recording recording, VirtualClock clock) {
    this.bus = bus;
    this.recording = recording;
    this.clock = clock;
  }

  /**
   * Adds a recording listener to the builder and builds the bus. The builder should not be
   * used again: it keeps the listener.
   *
   * @param builder a configured builder (transport, clock, source, ...)
   * @return the recording bus
   * @throws NullPointerException if builder is null
   * @throws IllegalStateException if the builder has no transport
   */
  public static TestEventBus create(EventBus.Builder builder) {
    Objects.requireNonNull(builder, "builder");
    Recording recording = new Recording(null);
    return new TestEventBus(builder.listener(recording).build(), recording, null);
  }

  /**
   * Sets the builder's clock to {@code clock}, adds a recording listener and builds the bus.
   * Knowing the clock, the bus can {@link #advance(Duration) advance} it safely and
   * {@link #awaitAttempts wait} for retry timers.
   *
   * @param builder a configured builder (transport, source, ...)
   * @param clock the virtual clock for event times and retry delays
   * @return the recording bus
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the builder has no transport
   */
  public static TestEventBus create(EventBus.Builder builder, VirtualClock clock) {
    Objects.requireNonNull(builder, "builder");
    Objects.requireNonNull(clock, "clock");
    Recording recording = new Recording(clock);
    return new TestEventBus(builder.clock(clock).listener(recording).build(), recording, clock);
  }

  // ---------------------------------------------------------------- EventBus

  /**
   * Publishes through the underlying bus and records the event; the returned future completes
   * as the bus's does, once the event is recorded as published (or as a failed publish).
   *
   * @param event the event
   * @param options the options
   * @return the publish future
   */
  @Override
  public CompletableFuture<PublishReceipt> publish(Object event, PublishOptions options) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(options, "options");
    return recording.publish(event, null, () -> bus.publish(event, options));
  }

  /**
   * Starts configuring a subscription whose handler attempts are recorded, and whose handlers
   * publish follow-up events through a context that records them.
   *
   * @param type the event type
   * @param <E> the event type
   * @return a builder
   */
  @Override
  public <E> SubscriptionBuilder<E> subscribe(Class<E> type) {
    return new RecordingSubscriptionBuilder<>(bus.subscribe(type), recording);
  }

  @Override
  public <E> Subscription subscribe(String group, Class<E> type, EventHandler<? super E> handler) {
    return subscribe(type).group(group).handle(handler);
  }

  @Override
  public EventFlow flow() {
    return bus.flow();
  }

  @Override
  public boolean awaitIdle(Duration timeout) {
    return bus.awaitIdle(timeout);
  }

  @Override
  public void close() {
    bus.close();
  }

  // ---------------------------------------------------------------- virtual time

  /**
   * The virtual clock of this bus, if it was created with one
   * ({@link #create(EventBus.Builder, VirtualClock)} or {@link ChorusExtension}).
   *
   * @return the clock, or empty
   */
  public Optional<VirtualClock> clock() {
    return Optional.ofNullable(clock);
  }

  /**
   * Moves the bus's virtual clock forward and fires the retry timers that fall due. Safer than
   * calling {@link VirtualClock#advance} directly: it first waits (up to 10 seconds) until every
   * retry the bus has reported has its timer set on the clock, because the engine reports a
   * retry just before it sets the timer. Returns once the due timers have run; the attempts
   * they trigger run asynchronously (wait for them with {@link #awaitAttempts}).
   *
   * @param duration how far to move; not negative
   * @throws IllegalStateException if the bus was not created with a {@link VirtualClock}
   * @throws IllegalArgumentException if duration is negative
   */
  public void advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (clock == null) {
      throw new IllegalStateException("this TestEventBus does not know its clock: create it with "
          + "TestEventBus.create(builder, VirtualClock.create()) or use @ChorusTest(time = VirtualTime.MANUAL)");
    }
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration cannot be negative: " + duration);
    }
    recording.await(TIMER_WAIT, recording::retryTimersSet);
    clock.advance(duration);
  }

  /**
   * Waits until {@code event} has finished at least {@code attempts} handler attempts in the
   * group (each succeeded, or failed and was scheduled for a retry or dead-lettered) and, with a
   * manual clock, until the retry timers are set, so that a following {@link #advance} fires
   * them. Meant for stepping through a backoff with a manual clock, where
   * {@link #awaitIdle(Duration)} would wait for the retry forever.
   *
   * @param group the consumer group
   * @param event the event, compared with {@code equals}
   * @param attempts how many finished attempts to wait for, at least 1
   * @param timeout how long to wait at most, on the wall clock
   * @return true once the attempts finished, false if the timeout passed first
   * @throws IllegalArgumentException if attempts is below 1
   */
  public boolean awaitAttempts(String group, Object event, int attempts, Duration timeout) {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(timeout, "timeout");
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1: " + attempts);
    }
    return recording.await(timeout,
        () -> recording.finishedAttempts(group, event, attempts) && recording.retryTimersSet());
  }

  // ---------------------------------------------------------------- what was recorded

  /**
   * The events durably published through this bus or its handlers' contexts, in the order the
   * publishes were called.
   *
   * @return a snapshot
   */
  public List<PublishedEvent> published() {
    return recording.published();
  }

  /**
   * Every handler attempt, in the order they started.
   *
   * @return a snapshot
   */
  public List<HandlingAttempt> attempts() {
    return recording.attempts();
  }

  /**
   * Every retry the engine scheduled, in order.
   *
   * @return a snapshot
   */
  public List<ScheduledRetry> retries() {
    return recording.retries(null, false);
  }

  /**
   * The dead letters written to dead-letter topics, in order. Reading them counts as looking
   * at them: {@link ChorusExtension} does not report them as unasserted.
   *
   * @return a snapshot
   */
  public List<DeadLetter> deadLetters() {
    return recording.ended(Recording.Kind.DEAD_LETTERED, null, true);
  }

  /**
   * The failed events dropped by {@link dev.chorus.DeadLetterPolicy#discard()}, in order.
   * Reading them counts as looking at them.
   *
   * @return a snapshot
   */
  public List<DeadLetter> discarded() {
    return recording.ended(Recording.Kind.DISCARDED, null, true);
  }

  /**
   * The events at which a subscription with {@link dev.chorus.DeadLetterPolicy#stopSubscription()}
   * stopped. Reading them counts as looking at them.
   *
   * @return a snapshot
   */
  public List<DeadLetter> subscriptionFailures() {
    return recording.ended(Recording.Kind.SUBSCRIPTION_FAILED, null, true);
  }

  /**
   * The publishes that failed, in order. Reading them counts as looking at them.
   *
   * @return a snapshot
   */
  public List<FailedPublish> publishFailures() {
    return recording.publishFailures(true);
  }

  /**
   * The records the subscriptions skipped because their type was not subscribed.
   *
   * @return a snapshot
   */
  public List<SkippedRecord> skipped() {
    return recording.skipped(null);
  }

  Recording recording() {
    return recording;
  }

  @Override
  public String toString() {
    return "TestEventBus[" + bus + "]";
  }

  // ---------------------------------------------------------------- the records

  /**
   * An event durably published through the bus or a handler's context.
   *
   * @param event the event object as passed to {@code publish}
   * @param metadata its metadata as published
   * @param receipt where it was stored
   * @param group the group whose handler published it, or {@code null} if published directly
   */
  public record PublishedEvent(Object event, EventMetadata metadata, PublishReceipt receipt, String group) {}

  /**
   * One call of a handler.
   *
   * @param group the subscription's group
   * @param event the decoded event passed to the handler
   * @param metadata its metadata
   * @param attempt the attempt number, 1-based
   * @param outcome how the attempt ended, as far as known
   * @param failure why it failed ({@link Outcome#FAILED} only): what the handler threw, or the
   *     failure of a follow-up publish that was retried; {@code null} otherwise, and when only
   *     the dead letter tells why (a follow-up publish failed on the last attempt)
   */
  public record HandlingAttempt(String group, Object event, EventMetadata metadata, int attempt, Outcome outcome,
      Throwable failure) {

    /** How an attempt ended. */
    public enum Outcome {
      /** The handler runs, or returned and its follow-up events are not yet acknowledged. */
      IN_PROGRESS,
      /** The event was handled: the handler returned and its follow-up events were published. */
      SUCCEEDED,
      /** The attempt failed; a retry, a dead letter, a discard or a stop followed. */
      FAILED
    }
  }

  /**
   * A retry the engine scheduled after a failed attempt.
   *
   * @param group the subscription's group
   * @param event the decoded event
   * @param metadata its metadata
   * @param failedAttempt the attempt that failed, 1-based
   * @param delay the delay before the next attempt
   * @param cause why the attempt failed
   */
  public record ScheduledRetry(String group, Object event, EventMetadata metadata, int failedAttempt, Duration delay,
      Throwable cause) {}

  /**
   * A publish that failed.
   *
   * @param event the event object
   * @param metadata its metadata, or {@code null} if the failure came before it had any
   * @param topic the topic it was meant for, or {@code null} if not known
   * @param failure why it failed (usually a {@link dev.chorus.PublishException})
   */
  public record FailedPublish(Object event, EventMetadata metadata, String topic, Throwable failure) {}

  /**
   * A record a subscription skipped because its type was not subscribed.
   *
   * @param group the subscription's group
   * @param metadata the record's metadata, as far as it could be read
   * @param reason why it was skipped
   */
  public record SkippedRecord(String group, EventMetadata metadata, String reason) {}
}

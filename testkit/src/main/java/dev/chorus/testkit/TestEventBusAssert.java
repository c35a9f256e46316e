package dev.chorus.testkit;

import dev.chorus.DeadLetter;
import dev.chorus.testkit.TestEventBus.FailedPublish;
import dev.chorus.testkit.TestEventBus.PublishedEvent;
import dev.chorus.testkit.TestEventBus.ScheduledRetry;
import dev.chorus.testkit.TestEventBus.SkippedRecord;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.ListAssert;

/**
 * Assertions on what a {@link TestEventBus} recorded; obtained from
 * {@link ChorusAssertions#assertThat(TestEventBus)}.
 *
 * <pre>{@code
 * assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
 * assertThat(bus).handled("orders", PaymentValidated.class).containsExactly(payment);
 * assertThat(bus).retries("orders").retriedWithDelays(Duration.ofSeconds(10), Duration.ofSeconds(20));
 * assertThat(bus).deadLetters("orders").isEmpty();
 * assertThat(bus).publishedEvent(OrderCreated.class).causedBy(payment);
 * }</pre>
 *
 * <p>Every assertion except {@link #isIdleWithin(Duration)} reads what was recorded when it is
 * called and never waits. When one fails, its message shows what the bus published, handled,
 * retried and dead-lettered. Asserting on dead letters, discards, stopped subscriptions,
 * publish failures, retries or one event's handling marks those failures as looked at, so
 * that {@link ChorusExtension} does not report them after the test.
 */
public final class TestEventBusAssert extends AbstractAssert<TestEventBusAssert, TestEventBus> {

  TestEventBusAssert(TestEventBus actual) {
    super(actual, TestEventBusAssert.class);
  }

  private Recording recording() {
    isNotNull();
    return actual.recording();
  }

  private void fail(String message) {
    failWithMessage("%s", message);
  }

  private void requireGroup(String group) {
    Objects.requireNonNull(group, "group");
    Recording recording = recording();
    if (!recording.hasGroup(group)) {
      fail("expected a subscription in group " + group + " but this bus has none; its groups: "
          + recording.groups().stream().sorted().toList());
    }
  }

  // ---------------------------------------------------------------- published

  /**
   * The events of a type (or its subtypes) published through the bus or by its handlers, in
   * the order the publishes were called. Only events the transport acknowledged count.
   *
   * @param type the event type
   * @param <T> the event type
   * @return an assertion on the list of event objects
   */
  public <T> ListAssert<T> published(Class<T> type) {
    Objects.requireNonNull(type, "type");
    Recording recording = recording();
    List<T> events = recording.published().stream().map(PublishedEvent::event).filter(type::isInstance)
        .map(type::cast).toList();
    return new ListAssert<T>(events)
        .as(() -> type.getSimpleName() + " events published; the bus recorded:" + recording.describe());
  }

  /**
   * The one event of a type that was published, for assertions on the event and its place in a
   * chain.
   *
   * @param type the event type
   * @param <T> the event type
   * @return an assertion on the event
   * @throws AssertionError unless exactly one event of the type was published
   */
  public <T> PublishedEventAssert<T> publishedEvent(Class<T> type) {
    Objects.requireNonNull(type, "type");
    Recording recording = recording();
    List<PublishedEvent> matching = recording.published().stream().filter(p -> type.isInstance(p.event())).toList();
    if (matching.size() != 1) {
      fail("expected exactly one published " + type.getSimpleName() + " but found " + matching.size()
          + (matching.isEmpty() ? "" : ": " + Texts.list(matching.stream().map(PublishedEvent::event).toList()))
          + "; the bus recorded:" + recording.describe());
    }
    return new PublishedEventAssert<>(type.cast(matching.get(0).event()), matching.get(0), recording);
  }

  /**
   * The publishes that failed. Marks them as looked at.
   *
   * @return an assertion on the list of failed publishes
   */
  public ListAssert<FailedPublish> publishFailures() {
    Recording recording = recording();
    return new ListAssert<FailedPublish>(recording.publishFailures(true))
        .as(() -> "publish failures; the bus recorded:" + recording.describe());
  }

  // ---------------------------------------------------------------- handled

  /**
   * The events of a type (or its subtypes) that a group handled successfully, in the order
   * their successful attempts started.
   *
   * @param group the consumer group
   * @param type the event type
   * @param <T> the event type
   * @return an assertion on the list of decoded events
   * @throws AssertionError if no subscription of this bus is in the group
   */
  public <T> ListAssert<T> handled(String group, Class<T> type) {
    Objects.requireNonNull(type, "type");
    requireGroup(group);
    Recording recording = recording();
    return new ListAssert<T>(recording.handled(group, type))
        .as(() -> type.getSimpleName() + " events handled by group " + group + "; the bus recorded:"
            + recording.describe());
  }

  /**
   * How one event was handled in a group: its attempts, retries and outcome. The event is
   * found by {@code equals} among the decoded events the group's handlers received (or as the
   * very object published). Marks the event's failures in the group as looked at.
   *
   * @param group the consumer group
   * @param event the event
   * @return an assertion on the event's handling
   * @throws AssertionError if the group never received the event, or several events equal it
   */
  public HandlingAssert handling(String group, Object event) {
    Objects.requireNonNull(event, "event");
    requireGroup(group);
    Recording recording = recording();
    List<Recording.Track> tracks = recording.tracks(group, event);
    if (tracks.isEmpty()) {
      fail("expected " + event + " to have been delivered to group " + group + " but it was not; the bus recorded:"
          + recording.describe());
    }
    if (tracks.size() > 1) {
      fail("expected one event equal to " + event + " in group " + group + " but found " + tracks.size()
          + " (it was published more than once); assert on handled(...) or retries(...) instead");
    }
    recording.seen(tracks.get(0));
    return new HandlingAssert(recording.handling(tracks.get(0)));
  }

  /**
   * The retries scheduled in a group, in order. Marks the group's events that still wait for a
   * retry as looked at.
   *
   * @param group the consumer group
   * @return an assertion on the retries
   * @throws AssertionError if no subscription of this bus is in the group
   */
  public RetriesAssert retries(String group) {
    requireGroup(group);
    Recording recording = recording();
    List<ScheduledRetry> retries = recording.retries(group, true);
    return new RetriesAssert(retries, group, recording);
  }

  /**
   * The records a group skipped because their type was not subscribed.
   *
   * @param group the consumer group
   * @return an assertion on the skipped records
   * @throws AssertionError if no subscription of this bus is in the group
   */
  public ListAssert<SkippedRecord> skipped(String group) {
    requireGroup(group);
    Recording recording = recording();
    return new ListAssert<SkippedRecord>(recording.skipped(group))
        .as(() -> "records skipped by group " + group + "; the bus recorded:" + recording.describe());
  }

  // ---------------------------------------------------------------- failures

  /**
   * The dead letters a group wrote to its dead-letter topic, in order. Marks them as looked at.
   *
   * @param group the consumer group
   * @return an assertion on the dead letters
   * @throws AssertionError if no subscription of this bus is in the group
   */
  public DeadLettersAssert deadLetters(String group) {
    return ended(Recording.Kind.DEAD_LETTERED, group, "dead letter", "dead letters");
  }

  /**
   * The failed events a group discarded ({@link dev.chorus.DeadLetterPolicy#discard()}), in
   * order. Marks them as looked at.
   *
   * @param group the consumer group
   * @return an assertion on what would have been dead-lettered
   * @throws AssertionError if no subscription of this bus is in the group
   */
  public DeadLettersAssert discarded(String group) {
    return ended(Recording.Kind.DISCARDED, group, "discarded event", "discarded events");
  }

  /**
   * The events at which a group's subscriptions stopped
   * ({@link dev.chorus.DeadLetterPolicy#stopSubscription()}). Marks them as looked at.
   *
   * @param group the consumer group
   * @return an assertion on the failures
   * @throws AssertionError if no subscription of this bus is in the group
   */
  public DeadLettersAssert subscriptionFailures(String group) {
    return ended(Recording.Kind.SUBSCRIPTION_FAILED, group, "subscription failure", "subscription failures");
  }

  private DeadLettersAssert ended(Recording.Kind kind, String group, String singular, String plural) {
    requireGroup(group);
    Recording recording = recording();
    List<DeadLetter> letters = recording.ended(kind, group, true);
    return new DeadLettersAssert(letters, singular, plural, group, recording);
  }

  /**
   * Verifies that the bus recorded no failure at all: no dead letter, discard, stopped
   * subscription or failed publish, and no event left waiting for a retry. Retries that ended
   * in success are not failures.
   *
   * @return this assertion
   */
  public TestEventBusAssert hasNoFailures() {
    List<String> failures = recording().allFailures();
    if (!failures.isEmpty()) {
      fail("expected no failures but found " + failures.size() + ":" + bullets(failures));
    }
    return myself;
  }

  /**
   * Verifies that every failure the bus recorded (dead letters, discards, stopped
   * subscriptions, failed publishes, events left waiting for a retry) was looked at through one
   * of these assertions or {@link TestEventBus}'s failure accessors. {@link ChorusExtension}
   * calls it after each test.
   *
   * @return this assertion
   */
  public TestEventBusAssert hasNoUnassertedFailures() {
    List<String> failures = recording().unasserted();
    if (!failures.isEmpty()) {
      fail("the bus recorded " + Texts.plural(failures.size(), "failure", "failures")
          + " that no assertion looked at:" + bullets(failures)
          + "\nAssert on them (for example assertThat(bus).deadLetters(group), .handling(group, event) or "
          + ".publishFailures()) or turn the check off with @ChorusTest(failOnUnassertedFailures = false).");
    }
    return myself;
  }

  // ---------------------------------------------------------------- waiting

  /**
   * Waits until the bus is idle ({@link TestEventBus#awaitIdle(Duration)}), and fails if it is
   * not within the timeout. The only assertion that waits.
   *
   * @param timeout how long to wait at most, on the wall clock
   * @return this assertion
   */
  public TestEventBusAssert isIdleWithin(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    Recording recording = recording();
    if (!actual.awaitIdle(timeout)) {
      fail("expected the bus to be idle within " + Texts.duration(timeout) + " but it was not; the bus recorded:"
          + recording.describe());
    }
    return myself;
  }

  private static String bullets(List<String> items) {
    StringBuilder text = new StringBuilder();
    for (String item : items) {
      text.append("\n  - ").append(item);
    }
    return text.toString();
  }
}

package dev.chorus.testkit;

import dev.chorus.testkit.TestEventBus.HandlingAttempt;
import dev.chorus.testkit.TestEventBus.ScheduledRetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.ListAssert;

/**
 * Assertions on how one event was handled in one group: its attempts, the retry delays the
 * engine applied, and its outcome. Obtained from {@link TestEventBusAssert#handling}; the
 * actual value is the list of attempts, as recorded when {@code handling} was called.
 *
 * <pre>{@code
 * assertThat(bus).handling("orders", payment)
 *     .hasAttempts(3)
 *     .retriedWithDelays(Duration.ofSeconds(10), Duration.ofSeconds(20))
 *     .isHandled();
 * }</pre>
 */
public final class HandlingAssert extends AbstractAssert<HandlingAssert, List<HandlingAttempt>> {

  private final Recording.Handling handling;

  HandlingAssert(Recording.Handling handling) {
    super(handling.attempts(), HandlingAssert.class);
    this.handling = handling;
  }

  private void fail(String message) {
    failWithMessage("%s", message);
  }

  /**
   * Verifies how many times the handler was called for the event (finished or running).
   *
   * @param expected the number of attempts
   * @return this assertion
   */
  public HandlingAssert hasAttempts(int expected) {
    int attempts = handling.attempts().size();
    if (attempts != expected) {
      fail("expected " + event() + " to have been attempted " + Texts.plural(expected, "time", "times")
          + " in group " + handling.group() + " but it was attempted " + Texts.plural(attempts, "time", "times")
          + ": " + story());
    }
    return myself;
  }

  /**
   * Verifies the delays of the retries scheduled for the event, in order.
   *
   * @param delays the expected delays; none for "never retried"
   * @return this assertion
   */
  public HandlingAssert retriedWithDelays(Duration... delays) {
    List<Duration> expected = List.of(delays);
    List<Duration> actualDelays = handling.retries().stream().map(ScheduledRetry::delay).toList();
    if (!actualDelays.equals(expected)) {
      fail("expected " + event() + " to have been retried in group " + handling.group() + " after "
          + Texts.durations(expected) + " but it was retried after " + Texts.durations(actualDelays) + ": " + story());
    }
    return myself;
  }

  /**
   * Verifies that the event was handled: its last attempt succeeded.
   *
   * @return this assertion
   */
  public HandlingAssert isHandled() {
    return hasStatus(Recording.Status.HANDLED, "have been handled");
  }

  /**
   * Verifies that the event was written to the group's dead-letter topic.
   *
   * @return this assertion
   */
  public HandlingAssert isDeadLettered() {
    return hasStatus(Recording.Status.DEAD_LETTERED, "have been dead-lettered");
  }

  /**
   * Verifies that the event failed and was discarded ({@link dev.chorus.DeadLetterPolicy#discard()}).
   *
   * @return this assertion
   */
  public HandlingAssert isDiscarded() {
    return hasStatus(Recording.Status.DISCARDED, "have been discarded");
  }

  /**
   * Verifies that the event's last attempt failed and its next attempt waits for the retry
   * delay to pass (on a manual clock: for the test to advance it).
   *
   * @return this assertion
   */
  public HandlingAssert isWaitingForRetry() {
    return hasStatus(Recording.Status.WAITING_FOR_RETRY, "be waiting for a retry");
  }

  private HandlingAssert hasStatus(Recording.Status expected, String expectation) {
    if (handling.status() != expected) {
      fail("expected " + event() + " to " + expectation + " in group " + handling.group() + " but it " + status()
          + ": " + story());
    }
    return myself;
  }

  /**
   * What each failed attempt threw (or the follow-up publish failure that failed it), in order.
   *
   * @return an assertion on the list of failures
   */
  public ListAssert<Throwable> failures() {
    List<Throwable> failures = new ArrayList<>();
    for (HandlingAttempt attempt : handling.attempts()) {
      if (attempt.outcome() == HandlingAttempt.Outcome.FAILED && attempt.failure() != null) {
        failures.add(attempt.failure());
      }
    }
    return new ListAssert<Throwable>(failures).as(() -> "failures of " + event() + " in group " + handling.group()
        + ": " + story());
  }

  /**
   * The dead letter that ended the event's handling (dead-lettered, discarded or stopped).
   *
   * @return an assertion on the dead letter
   */
  public DeadLetterAssert deadLetter() {
    if (handling.deadLetter() == null) {
      fail("expected " + event() + " to have a dead letter in group " + handling.group() + " but it " + status()
          + ": " + story());
    }
    return new DeadLetterAssert(handling.deadLetter());
  }

  private String event() {
    return handling.event() != null ? String.valueOf(handling.event())
        : "the event of type " + handling.metadata().type() + " with key " + handling.metadata().key();
  }

  private String status() {
    return switch (handling.status()) {
      case IN_PROGRESS -> "is in progress";
      case WAITING_FOR_RETRY -> "is waiting for attempt " + (handling.attempts().size() + 1);
      case HANDLED -> "was handled";
      case DEAD_LETTERED -> "was dead-lettered";
      case DISCARDED -> "was discarded";
      case SUBSCRIPTION_FAILED -> "stopped its subscription";
    };
  }

  /** {@code attempt 1 failed (IllegalStateException: down), retried after 10s; attempt 2 succeeded}. */
  private String story() {
    List<String> parts = new ArrayList<>();
    for (HandlingAttempt attempt : handling.attempts()) {
      String part = "attempt " + attempt.attempt() + switch (attempt.outcome()) {
        case IN_PROGRESS -> " in progress";
        case SUCCEEDED -> " succeeded";
        case FAILED -> " failed (" + Texts.exception(attempt.failure()) + ")";
      };
      for (ScheduledRetry retry : handling.retries()) {
        if (retry.failedAttempt() == attempt.attempt()) {
          part += ", retry after " + Texts.duration(retry.delay());
          break;
        }
      }
      parts.add(part);
    }
    if (handling.deadLetter() != null) {
      parts.add(switch (handling.status()) {
        case DISCARDED -> "discarded";
        case SUBSCRIPTION_FAILED -> "stopped its subscription";
        default -> "dead-lettered";
      } + " (" + Texts.failure(handling.deadLetter()) + ")");
    }
    return parts.isEmpty() ? "never attempted" : String.join("; ", parts);
  }
}

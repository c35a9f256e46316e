package dev.chorus.testkit;

import dev.chorus.testkit.TestEventBus.ScheduledRetry;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.ListAssert;

/**
 * Assertions on the retries the engine scheduled in one group, in the order it scheduled them.
 * Obtained from {@link TestEventBusAssert#retries(String)}; the actual value is the list of
 * retries as recorded when {@code retries} was called.
 *
 * <pre>{@code
 * assertThat(bus).retries("orders").retriedWithDelays(Duration.ofMillis(100), Duration.ofMillis(200));
 * }</pre>
 */
public final class RetriesAssert extends AbstractAssert<RetriesAssert, List<ScheduledRetry>> {

  private final String group;
  private final Recording recording;

  RetriesAssert(List<ScheduledRetry> retries, String group, Recording recording) {
    super(retries, RetriesAssert.class);
    this.group = group;
    this.recording = recording;
  }

  private void fail(String message) {
    failWithMessage("%s", message);
  }

  /**
   * Verifies the delays of the group's retries, in the order they were scheduled.
   *
   * @param delays the expected delays
   * @return this assertion
   */
  public RetriesAssert retriedWithDelays(Duration... delays) {
    List<Duration> expected = List.of(delays);
    List<Duration> actualDelays = actual.stream().map(ScheduledRetry::delay).toList();
    if (!actualDelays.equals(expected)) {
      fail("expected the retries in group " + group + " to have delays " + Texts.durations(expected)
          + " but they had " + Texts.durations(actualDelays) + "; the bus recorded:" + recording.describe());
    }
    return myself;
  }

  /**
   * Verifies how many retries the group scheduled.
   *
   * @param expected the number of retries
   * @return this assertion
   */
  public RetriesAssert hasSize(int expected) {
    if (actual.size() != expected) {
      fail("expected " + Texts.plural(expected, "retry", "retries") + " in group " + group + " but found "
          + actual.size() + "; the bus recorded:" + recording.describe());
    }
    return myself;
  }

  /**
   * Verifies that the group scheduled no retry.
   *
   * @return this assertion
   */
  public RetriesAssert isEmpty() {
    return hasSize(0);
  }

  /**
   * The delays of the group's retries, in order.
   *
   * @return an assertion on the list of delays
   */
  public ListAssert<Duration> delays() {
    return new ListAssert<Duration>(actual.stream().map(ScheduledRetry::delay).toList())
        .as(() -> "retry delays in group " + group + "; the bus recorded:" + recording.describe());
  }

  /**
   * What the failed attempts threw, one per retry, in order.
   *
   * @return an assertion on the list of causes
   */
  public ListAssert<Throwable> causes() {
    return new ListAssert<Throwable>(actual.stream().map(ScheduledRetry::cause).toList())
        .as(() -> "causes of the retries in group " + group + "; the bus recorded:" + recording.describe());
  }
}

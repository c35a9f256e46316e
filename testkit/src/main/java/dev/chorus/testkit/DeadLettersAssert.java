package dev.chorus.testkit;

import dev.chorus.DeadLetter;
import java.util.List;
import org.assertj.core.api.FactoryBasedNavigableListAssert;

/**
 * Assertions on the dead letters (or discarded events, or subscription failures) of one group,
 * in the order they happened; navigate to one with {@code first()}, {@code element(i)} or
 * {@code singleElement()}. Obtained from {@link TestEventBusAssert#deadLetters(String)},
 * {@link TestEventBusAssert#discarded(String)} or
 * {@link TestEventBusAssert#subscriptionFailures(String)}.
 *
 * <pre>{@code
 * assertThat(bus).deadLetters("orders").hasSize(1)
 *     .first().hasReason(DeadLetter.Reason.HANDLER_FAILED).hasAttempts(3);
 * }</pre>
 */
public final class DeadLettersAssert
    extends FactoryBasedNavigableListAssert<DeadLettersAssert, List<? extends DeadLetter>, DeadLetter, DeadLetterAssert> {

  private final String singular;
  private final String plural;
  private final String group;
  private final Recording recording;

  DeadLettersAssert(List<? extends DeadLetter> letters, String singular, String plural, String group,
      Recording recording) {
    super(letters, DeadLettersAssert.class, DeadLetterAssert::new);
    this.singular = singular;
    this.plural = plural;
    this.group = group;
    this.recording = recording;
  }

  /**
   * Verifies the number of dead letters; the failure message shows what the bus handled,
   * retried and dead-lettered.
   *
   * @param expected the number of dead letters
   * @return this assertion
   */
  @Override
  public DeadLettersAssert hasSize(int expected) {
    isNotNull();
    if (actual.size() != expected) {
      failWithMessage("%s", "expected " + (expected == 1 ? "1 " + singular : expected + " " + plural) + " in group "
          + group + " but found " + actual.size() + "; the bus recorded:" + recording.describe());
    }
    return myself;
  }

  /**
   * Verifies that there is none; the failure message shows what the bus recorded.
   */
  @Override
  public void isEmpty() {
    isNotNull();
    if (!actual.isEmpty()) {
      failWithMessage("%s", "expected no " + plural + " in group " + group + " but found " + actual.size()
          + "; the bus recorded:" + recording.describe());
    }
  }

  /**
   * Verifies that there is at least one; the failure message shows what the bus recorded.
   *
   * @return this assertion
   */
  @Override
  public DeadLettersAssert isNotEmpty() {
    isNotNull();
    if (actual.isEmpty()) {
      failWithMessage("%s", "expected " + plural + " in group " + group + " but found none; the bus recorded:"
          + recording.describe());
    }
    return myself;
  }

  @Override
  protected DeadLettersAssert newAbstractIterableAssert(Iterable<? extends DeadLetter> iterable) {
    List<DeadLetter> letters = new java.util.ArrayList<>();
    iterable.forEach(letters::add);
    return new DeadLettersAssert(letters, singular, plural, group, recording);
  }
}

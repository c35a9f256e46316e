package dev.chorus.testkit;

import dev.chorus.DeadLetter;
import java.util.Objects;
import org.assertj.core.api.AbstractObjectAssert;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ObjectAssert;

/**
 * Assertions on one {@link DeadLetter}: why the event failed, how often it was tried, what was
 * thrown, and its original payload. Obtained by navigating a {@link DeadLettersAssert}, from
 * {@link HandlingAssert#deadLetter()} or from {@link ChorusAssertions#assertThat(DeadLetter)}.
 */
public final class DeadLetterAssert extends AbstractObjectAssert<DeadLetterAssert, DeadLetter> {

  /**
   * Creates an assertion on a dead letter.
   *
   * @param actual the dead letter
   */
  public DeadLetterAssert(DeadLetter actual) {
    super(actual, DeadLetterAssert.class);
  }

  private void fail(String expectation, Object found) {
    failWithMessage("%s", "expected " + name() + " to " + expectation + " but " + found + " (" + Texts.failure(actual)
        + ")");
  }

  private String name() {
    return "the dead letter of " + actual.metadata().type() + " with key " + actual.metadata().key() + " in group "
        + actual.group();
  }

  /**
   * Verifies why the event became a dead letter.
   *
   * @param reason the expected reason
   * @return this assertion
   */
  public DeadLetterAssert hasReason(DeadLetter.Reason reason) {
    isNotNull();
    if (actual.failure().reason() != reason) {
      fail("have reason " + reason, "it had " + actual.failure().reason());
    }
    return myself;
  }

  /**
   * Verifies how many times the handler was called (0 for an undecodable record).
   *
   * @param attempts the expected number of attempts
   * @return this assertion
   */
  public DeadLetterAssert hasAttempts(int attempts) {
    isNotNull();
    if (actual.failure().attempts() != attempts) {
      fail("have " + Texts.plural(attempts, "attempt", "attempts"), "it had " + actual.failure().attempts());
    }
    return myself;
  }

  /**
   * Verifies the class of the last exception: exactly this class, compared by name.
   *
   * @param type the exception class
   * @return this assertion
   */
  public DeadLetterAssert hasExceptionOfType(Class<? extends Throwable> type) {
    isNotNull();
    Objects.requireNonNull(type, "type");
    if (!actual.failure().exceptionClass().equals(type.getName())) {
      fail("have an exception of type " + type.getName(), "it had " + actual.failure().exceptionClass());
    }
    return myself;
  }

  /**
   * Verifies the last exception's message.
   *
   * @param message the expected message
   * @return this assertion
   */
  public DeadLetterAssert hasMessage(String message) {
    isNotNull();
    if (!actual.failure().message().equals(message)) {
      fail("have the message \"" + message + "\"", "it had \"" + actual.failure().message() + "\"");
    }
    return myself;
  }

  /**
   * Verifies that the last exception's message contains a text.
   *
   * @param text the expected part of the message
   * @return this assertion
   */
  public DeadLetterAssert hasMessageContaining(String text) {
    isNotNull();
    if (!actual.failure().message().contains(text)) {
      fail("have a message containing \"" + text + "\"", "it had \"" + actual.failure().message() + "\"");
    }
    return myself;
  }

  /**
   * Verifies the event key.
   *
   * @param key the expected key, or {@code null} for none
   * @return this assertion
   */
  public DeadLetterAssert hasKey(String key) {
    isNotNull();
    if (!Objects.equals(actual.metadata().key(), key)) {
      fail("have the key " + key, "it had " + actual.metadata().key());
    }
    return myself;
  }

  /**
   * Decodes the original payload, for assertions on the event that failed.
   *
   * @param type the event class
   * @param <T> the event type
   * @return an assertion on the decoded event
   */
  public <T> ObjectAssert<T> payload(Class<T> type) {
    isNotNull();
    return Assertions.assertThat(actual.payload(type)).as("payload of %s", name());
  }
}

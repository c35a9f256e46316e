package dev.chorus;

/**
 * Thrown by an {@link EventHandler} to say that trying again cannot help (invalid data, a
 * business rule that rejects the event). The remaining attempts are skipped and the event
 * goes to the subscription's {@link DeadLetterPolicy} at once, with reason
 * {@link DeadLetter.Reason#NON_RETRYABLE}.
 */
public class NonRetryableException extends RuntimeException {

  /**
   * Creates an exception with a message.
   *
   * @param message why the event cannot be handled
   */
  public NonRetryableException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message why the event cannot be handled
   * @param cause the underlying failure
   */
  public NonRetryableException(String message, Throwable cause) {
    super(message, cause);
  }
}

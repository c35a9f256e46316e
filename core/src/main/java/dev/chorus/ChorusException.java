package dev.chorus;

/**
 * The root of the exceptions Chorus throws for its own failures (as opposed to programming
 * errors, which are reported with the JDK's {@link IllegalArgumentException},
 * {@link IllegalStateException} and {@link NullPointerException}).
 */
public class ChorusException extends RuntimeException {

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong
   */
  public ChorusException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what went wrong
   * @param cause the underlying failure
   */
  public ChorusException(String message, Throwable cause) {
    super(message, cause);
  }
}

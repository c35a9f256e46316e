package dev.chorus.examples.slowjob;

/**
 * The machine controller refused a call, with an HTTP status: 429 (rate limited) and 503 are worth
 * another attempt later, anything else is not.
 */
final class ControllerException extends Exception {

  private static final long serialVersionUID = 1L;

  private final int status;

  ControllerException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The HTTP status the controller answered. */
  int status() {
    return status;
  }

  /** Whether the same call may succeed later. */
  boolean isTransient() {
    return status == 429 || status == 503;
  }
}

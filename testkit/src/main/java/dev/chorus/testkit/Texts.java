package dev.chorus.testkit;

import dev.chorus.DeadLetter;
import dev.chorus.PublishException;
import java.time.Duration;
import java.util.List;

/** Short, stable renderings of durations, exceptions, dead letters and lists for failure messages. */
final class Texts {

  /** Lists longer than this are cut, so a message stays readable when a test publishes thousands of events. */
  static final int MAX_ITEMS = 20;

  private Texts() {}

  /** {@code 100ms}, {@code 10s}, {@code 5m}, {@code 2h}, or the ISO form for anything else. */
  static String duration(Duration duration) {
    if (duration.isNegative() || duration.toNanosPart() % 1_000_000 != 0) {
      return duration.toString();
    }
    long millis = duration.toMillis();
    if (millis == 0 || millis % 1000 != 0) {
      return millis + "ms";
    }
    long seconds = millis / 1000;
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
  }

  static String durations(List<Duration> durations) {
    return durations.stream().map(Texts::duration).toList().toString();
  }

  /** {@code IllegalStateException: down}. */
  static String exception(Throwable error) {
    if (error == null) {
      return "no exception";
    }
    return error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
  }

  /**
   * What made a publish fail: the cause of a {@link PublishException}, whose own message repeats
   * the event id, type and topic that the failure messages show anyway.
   */
  static Throwable publishCause(Throwable failure) {
    return failure instanceof PublishException && failure.getCause() != null ? failure.getCause() : failure;
  }

  /** {@code HANDLER_FAILED after 3 attempt(s): java.lang.IllegalStateException: down}. */
  static String failure(DeadLetter letter) {
    DeadLetter.Failure failure = letter.failure();
    return failure.reason() + " after " + failure.attempts() + " attempt(s): " + failure.exceptionClass()
        + (failure.message().isEmpty() ? "" : ": " + failure.message());
  }

  /** The list's {@code toString}, cut after {@link #MAX_ITEMS} items. */
  static String list(List<?> items) {
    if (items.size() <= MAX_ITEMS) {
      return items.toString();
    }
    String head = items.subList(0, MAX_ITEMS).toString();
    return head.substring(0, head.length() - 1) + ", ... and " + (items.size() - MAX_ITEMS) + " more]";
  }

  static String plural(int count, String singular, String plural) {
    return count + " " + (count == 1 ? singular : plural);
  }
}

package dev.chorus.spi;

import java.time.Clock;
import java.time.Duration;

/**
 * A clock that also runs timers on its own time line. When an {@code EventBus} is given one,
 * retry delays are scheduled on it instead of on wall-clock time, which is how
 * {@link dev.chorus.VirtualClock} runs a minutes-long backoff in milliseconds.
 */
public abstract class SchedulingClock extends Clock {

  /** For subclasses. */
  protected SchedulingClock() {}

  /**
   * Runs {@code task} once {@code delay} has passed on this clock. Implementations must be
   * thread-safe and must not run the task on the calling thread.
   *
   * @param delay how long to wait, on this clock's time line
   * @param task what to run; it must be short and must not block
   * @return a handle whose {@code run()} cancels the timer if it has not fired
   */
  public abstract Runnable schedule(Duration delay, Runnable task);
}

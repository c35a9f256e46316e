package dev.chorus.internal;

import dev.chorus.spi.SchedulingClock;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs retry timers: on the bus clock's own time line when it is a {@link SchedulingClock}
 * (virtual time in tests), otherwise on wall-clock time with one daemon thread.
 */
final class Timers implements AutoCloseable {

  private final SchedulingClock schedulingClock;
  private final ScheduledThreadPoolExecutor executor;

  Timers(Clock clock) {
    if (clock instanceof SchedulingClock scheduling) {
      this.schedulingClock = scheduling;
      this.executor = null;
    } else {
      this.schedulingClock = null;
      this.executor = new ScheduledThreadPoolExecutor(1, task -> {
        Thread thread = new Thread(task, "chorus-timer");
        thread.setDaemon(true);
        return thread;
      });
      executor.setRemoveOnCancelPolicy(true);
    }
  }

  /** Runs a short task after the delay; returns a handle that cancels it. */
  Runnable schedule(Duration delay, Runnable task) {
    if (schedulingClock != null) {
      return schedulingClock.schedule(delay, task);
    }
    ScheduledFuture<?> future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}

package dev.chorus.inmemory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A monitor that test threads notify whenever they changed shared state, so the test thread can
 * wait for a condition with a deadline instead of sleeping.
 */
final class StateChanges {

  synchronized void changed() {
    notifyAll();
  }

  synchronized void await(String description, BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new AssertionError("timed out after " + timeout + " waiting until " + description);
      }
      TimeUnit.NANOSECONDS.timedWait(this, remaining);
    }
  }

  /** Waits until {@code thread} is parked with a timeout (as in a blocked poll). */
  static void awaitTimedWaiting(Thread thread, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (thread.getState() != Thread.State.TIMED_WAITING) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(thread.getName() + " did not block within " + timeout
            + "; state " + thread.getState());
      }
      Thread.onSpinWait();
    }
  }
}

package dev.chorus;

import dev.chorus.spi.SchedulingClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A clock for tests whose time moves only when told to, so retry backoff runs without
 * waiting. Give it to {@link EventBus.Builder#clock}.
 *
 * <ul>
 *   <li>{@link #create()} makes a manual clock: timers fire only when {@link #advance} moves
 *       time past them, so a test can look at the state between two attempts;
 *   <li>{@link #autoAdvancing()} makes a clock that jumps straight to the next timer whenever
 *       one is scheduled: a ten-minute backoff passes at once, and the times the bus reports
 *       still show the ten minutes.
 * </ul>
 *
 * <p>Thread-safe. Timers run in due-time order: on the thread that calls {@link #advance} for a
 * manual clock, on a single daemon thread of the clock for an auto-advancing one.
 */
public final class VirtualClock extends SchedulingClock {

  private static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final Object lock = new Object();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final boolean autoAdvance;
  private final Executor runner;
  private Instant now;
  private long sequence;

  private VirtualClock(Instant start, boolean autoAdvance) {
    this.now = start;
    this.autoAdvance = autoAdvance;
    ExecutorService executor = Executors.newSingleThreadExecutor(task -> {
      Thread thread = new Thread(task, "chorus-virtual-clock");
      thread.setDaemon(true);
      return thread;
    });
    this.runner = executor;
  }

  /**
   * A manual clock starting at 2026-01-01T00:00:00Z.
   *
   * @return the clock
   */
  public static VirtualClock create() {
    return new VirtualClock(DEFAULT_START, false);
  }

  /**
   * A manual clock starting at the given instant.
   *
   * @param start the initial time
   * @return the clock
   */
  public static VirtualClock startingAt(Instant start) {
    return new VirtualClock(Objects.requireNonNull(start, "start"), false);
  }

  /**
   * A clock starting at 2026-01-01T00:00:00Z that jumps to each timer as soon as it is
   * scheduled.
   *
   * @return the clock
   */
  public static VirtualClock autoAdvancing() {
    return new VirtualClock(DEFAULT_START, true);
  }

  /**
   * Whether this clock jumps to timers by itself.
   *
   * @return true for {@link #autoAdvancing()} clocks
   */
  public boolean isAutoAdvancing() {
    return autoAdvance;
  }

  /**
   * Moves time forward and fires, in order, every timer that falls due. Returns once those
   * timers have run.
   *
   * @param duration how far to move; not negative
   * @throws IllegalArgumentException if duration is negative
   */
  public void advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration cannot be negative: " + duration);
    }
    Instant target;
    synchronized (lock) {
      target = now.plus(duration);
    }
    while (true) {
      Timer due;
      synchronized (lock) {
        due = timers.peek();
        if (due == null || due.at.isAfter(target)) {
          now = target;
          return;
        }
        timers.poll();
        if (due.at.isAfter(now)) {
          now = due.at;
        }
      }
      due.task.run();
    }
  }

  /**
   * How many timers wait to fire.
   *
   * @return the number of pending timers
   */
  public int pendingTimers() {
    synchronized (lock) {
      return timers.size();
    }
  }

  @Override
  public Instant instant() {
    synchronized (lock) {
      return now;
    }
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /**
   * Returns this clock: a virtual clock always works in UTC.
   *
   * @param zone ignored
   * @return this clock
   */
  @Override
  public VirtualClock withZone(ZoneId zone) {
    return this;
  }

  /**
   * Runs {@code task} once time reaches now + {@code delay}; on an auto-advancing clock, at
   * once, after moving time there.
   *
   * @param delay how long to wait on this clock
   * @param task what to run
   * @return a handle that cancels the timer
   */
  @Override
  public Runnable schedule(Duration delay, Runnable task) {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(task, "task");
    Timer timer;
    synchronized (lock) {
      timer = new Timer(now.plus(delay.isNegative() ? Duration.ZERO : delay), sequence++, task);
      timers.add(timer);
    }
    if (autoAdvance) {
      runner.execute(this::fireNext);
    }
    return () -> {
      synchronized (lock) {
        timers.remove(timer);
      }
    };
  }

  private void fireNext() {
    Timer due;
    synchronized (lock) {
      due = timers.poll();
      if (due == null) {
        return;
      }
      if (due.at.isAfter(now)) {
        now = due.at;
      }
    }
    due.task.run();
  }

  @Override
  public String toString() {
    return "VirtualClock[" + instant() + (autoAdvance ? ", auto-advancing" : "") + "]";
  }

  private record Timer(Instant at, long seq, Runnable task) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer other) {
      int byTime = at.compareTo(other.at);
      return byTime != 0 ? byTime : Long.compare(seq, other.seq);
    }
  }
}

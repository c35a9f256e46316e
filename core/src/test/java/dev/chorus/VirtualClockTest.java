package dev.chorus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class VirtualClockTest {

  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  /** A timer's name and the clock's time when it ran. */
  private record Fired(String name, Instant at) {}

  private static Runnable record(VirtualClock clock, List<Fired> fired, String name) {
    return () -> fired.add(new Fired(name, clock.instant()));
  }

  @Test
  void startsAtTheFirstOfJanuary2026InUtc() {
    VirtualClock clock = VirtualClock.create();

    assertThat(clock.instant()).isEqualTo(START);
    assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    assertThat(clock.withZone(ZoneId.of("Europe/Paris"))).isSameAs(clock);
    assertThat(clock.isAutoAdvancing()).isFalse();
    assertThat(clock.pendingTimers()).isZero();
  }

  @Test
  void startingAtUsesTheGivenInstant() {
    Instant start = Instant.parse("2030-05-06T07:08:09.123Z");
    VirtualClock clock = VirtualClock.startingAt(start);

    assertThat(clock.instant()).isEqualTo(start);
    assertThat(clock.millis()).isEqualTo(start.toEpochMilli());
  }

  @Test
  void timeStandsStillUntilAdvanced() {
    VirtualClock clock = VirtualClock.create();

    clock.advance(Duration.ofMinutes(90));

    assertThat(clock.instant()).isEqualTo(START.plus(Duration.ofMinutes(90)));
    assertThat(clock.instant()).isEqualTo(START.plus(Duration.ofMinutes(90)));
  }

  @Test
  void advanceFiresDueTimersInDueOrderExactlyOnceAndLeavesLaterOnesPending() {
    VirtualClock clock = VirtualClock.create();
    List<Fired> fired = new CopyOnWriteArrayList<>();
    clock.schedule(Duration.ofSeconds(30), record(clock, fired, "c"));
    clock.schedule(Duration.ofSeconds(10), record(clock, fired, "a"));
    clock.schedule(Duration.ofSeconds(20), record(clock, fired, "b1"));
    clock.schedule(Duration.ofSeconds(20), record(clock, fired, "b2"));
    clock.schedule(Duration.ofSeconds(60), record(clock, fired, "d"));
    assertThat(clock.pendingTimers()).isEqualTo(5);

    clock.advance(Duration.ofSeconds(25));

    assertThat(fired).containsExactly(
        new Fired("a", START.plusSeconds(10)),
        new Fired("b1", START.plusSeconds(20)),
        new Fired("b2", START.plusSeconds(20)));
    assertThat(clock.pendingTimers()).isEqualTo(2);
    assertThat(clock.instant()).isEqualTo(START.plusSeconds(25));

    clock.advance(Duration.ofSeconds(5));

    assertThat(fired).extracting(Fired::name).containsExactly("a", "b1", "b2", "c");
    assertThat(fired.get(3).at()).isEqualTo(START.plusSeconds(30));
    assertThat(clock.pendingTimers()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(29));

    assertThat(fired).extracting(Fired::name).containsExactly("a", "b1", "b2", "c");
    assertThat(clock.pendingTimers()).isEqualTo(1);
    assertThat(clock.instant()).isEqualTo(START.plusSeconds(59));

    clock.advance(Duration.ofHours(1));

    assertThat(fired).containsExactly(
        new Fired("a", START.plusSeconds(10)),
        new Fired("b1", START.plusSeconds(20)),
        new Fired("b2", START.plusSeconds(20)),
        new Fired("c", START.plusSeconds(30)),
        new Fired("d", START.plusSeconds(60)));
    assertThat(clock.pendingTimers()).isZero();
    assertThat(clock.instant()).isEqualTo(START.plusSeconds(59).plus(Duration.ofHours(1)));
  }

  @Test
  void timersAreScheduledRelativeToTheCurrentVirtualTime() {
    VirtualClock clock = VirtualClock.create();
    List<Fired> fired = new CopyOnWriteArrayList<>();
    clock.advance(Duration.ofMinutes(5));

    clock.schedule(Duration.ofSeconds(10), record(clock, fired, "later"));
    clock.advance(Duration.ofSeconds(9));
    assertThat(fired).isEmpty();
    clock.advance(Duration.ofSeconds(1));

    assertThat(fired).containsExactly(new Fired("later", START.plus(Duration.ofMinutes(5)).plusSeconds(10)));
  }

  @Test
  void aTimerScheduledByAFiringTimerFiresInTheSameAdvanceWhenDue() {
    VirtualClock clock = VirtualClock.create();
    List<Fired> fired = new CopyOnWriteArrayList<>();
    clock.schedule(Duration.ofSeconds(10), () -> {
      fired.add(new Fired("first", clock.instant()));
      clock.schedule(Duration.ofSeconds(5), record(clock, fired, "second"));
      clock.schedule(Duration.ofSeconds(50), record(clock, fired, "third"));
    });

    clock.advance(Duration.ofSeconds(20));

    assertThat(fired).containsExactly(new Fired("first", START.plusSeconds(10)),
        new Fired("second", START.plusSeconds(15)));
    assertThat(clock.pendingTimers()).isEqualTo(1);
    assertThat(clock.instant()).isEqualTo(START.plusSeconds(20));
  }

  @Test
  void zeroAndNegativeDelaysFireOnTheNextAdvanceWithoutMovingTime() {
    VirtualClock clock = VirtualClock.create();
    List<Fired> fired = new CopyOnWriteArrayList<>();
    clock.schedule(Duration.ZERO, record(clock, fired, "zero"));
    clock.schedule(Duration.ofSeconds(-5), record(clock, fired, "negative"));

    assertThat(fired).isEmpty();
    clock.advance(Duration.ZERO);

    assertThat(fired).containsExactly(new Fired("zero", START), new Fired("negative", START));
    assertThat(clock.pendingTimers()).isZero();
  }

  @Test
  void cancelHandleKeepsATimerFromFiring() {
    VirtualClock clock = VirtualClock.create();
    List<Fired> fired = new CopyOnWriteArrayList<>();
    Runnable cancelA = clock.schedule(Duration.ofSeconds(10), record(clock, fired, "a"));
    clock.schedule(Duration.ofSeconds(20), record(clock, fired, "b"));

    cancelA.run();

    assertThat(clock.pendingTimers()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(1));
    assertThat(fired).containsExactly(new Fired("b", START.plusSeconds(20)));
    assertThat(clock.pendingTimers()).isZero();
  }

  @Test
  void cancellingAFiredOrCancelledTimerChangesNothing() {
    VirtualClock clock = VirtualClock.create();
    List<Fired> fired = new CopyOnWriteArrayList<>();
    Runnable cancelA = clock.schedule(Duration.ofSeconds(1), record(clock, fired, "a"));
    Runnable cancelB = clock.schedule(Duration.ofSeconds(2), record(clock, fired, "b"));
    clock.schedule(Duration.ofSeconds(3), record(clock, fired, "c"));
    clock.advance(Duration.ofSeconds(1));
    cancelB.run();

    cancelA.run();
    cancelB.run();

    assertThat(clock.pendingTimers()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(5));
    assertThat(fired).extracting(Fired::name).containsExactly("a", "c");
  }

  @Test
  void advanceRejectsANegativeDuration() {
    VirtualClock clock = VirtualClock.create();

    assertThatIllegalArgumentException().isThrownBy(() -> clock.advance(Duration.ofMillis(-1)))
        .withMessage("duration cannot be negative: PT-0.001S");
    assertThat(clock.instant()).isEqualTo(START);
  }

  @Test
  void autoAdvancingClockFiresATenMinuteTimerPromptlyAtItsDueTime() throws InterruptedException {
    VirtualClock clock = VirtualClock.autoAdvancing();
    CountDownLatch fired = new CountDownLatch(1);
    AtomicReference<Instant> timeInside = new AtomicReference<>();
    AtomicReference<Thread> thread = new AtomicReference<>();
    long wallStart = System.nanoTime();

    clock.schedule(Duration.ofMinutes(10), () -> {
      timeInside.set(clock.instant());
      thread.set(Thread.currentThread());
      fired.countDown();
    });

    assertThat(fired.await(5, TimeUnit.SECONDS)).as("timer fired").isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - wallStart)).isLessThan(Duration.ofSeconds(5));
    assertThat(clock.isAutoAdvancing()).isTrue();
    assertThat(timeInside.get()).isEqualTo(START.plus(Duration.ofMinutes(10)));
    assertThat(clock.instant()).isEqualTo(START.plus(Duration.ofMinutes(10)));
    assertThat(clock.pendingTimers()).isZero();
    assertThat(thread.get()).isNotSameAs(Thread.currentThread());
    assertThat(thread.get().getName()).isEqualTo("chorus-virtual-clock");
  }

  @Test
  void autoAdvancingClockAddsConsecutiveDelays() throws InterruptedException {
    VirtualClock clock = VirtualClock.autoAdvancing();
    CountDownLatch done = new CountDownLatch(1);
    List<Fired> fired = new CopyOnWriteArrayList<>();

    clock.schedule(Duration.ofMinutes(10), () -> {
      fired.add(new Fired("first", clock.instant()));
      clock.schedule(Duration.ofHours(1), () -> {
        fired.add(new Fired("second", clock.instant()));
        done.countDown();
      });
    });

    assertThat(done.await(5, TimeUnit.SECONDS)).as("both timers fired").isTrue();
    assertThat(fired).containsExactly(new Fired("first", START.plus(Duration.ofMinutes(10))),
        new Fired("second", START.plus(Duration.ofMinutes(70))));
    assertThat(clock.instant()).isEqualTo(START.plus(Duration.ofMinutes(70)));
  }
}

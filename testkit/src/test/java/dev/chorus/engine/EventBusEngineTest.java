package dev.chorus.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.chorus.DeadLetter;
import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventBuses;
import dev.chorus.EventKey;
import dev.chorus.EventMetadata;
import dev.chorus.EventType;
import dev.chorus.PublishException;
import dev.chorus.PublishReceipt;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.spi.TopicPartition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * Engine behaviour that the transport contract suite does not reach: stepping virtual time
 * through a backoff, retries that block only their key, parallelism, backpressure, the
 * discard policy, failing dead-letter and follow-up writes, listeners, MDC and configuration.
 * Runs on the real in-memory transport.
 */
class EventBusEngineTest {

  /** A unit of work, ordered per key. */
  @EventType(value = "engine.task", topic = "engine.tasks")
  public record Task(@EventKey String key, int seq) {}

  /** On the tasks' topic, but no subscription here takes it: skipped, on the thread that polls. */
  @EventType(value = "engine.task-note", topic = "engine.tasks")
  public record TaskNote(@EventKey String key) {}

  /** Published while handling a task. */
  @EventType(value = "engine.task-done", topic = "engine.done")
  public record TaskDone(@EventKey String key, int seq) {}

  private static final String TEN = "abcdefghij";

  /** An event whose topic is long enough that a long group overflows its dead-letter topic name. */
  @EventType(value = "engine.long", topic = TEN + TEN + TEN + TEN + TEN + TEN)
  public record LongTopic(String id) {}

  /** An event Jackson cannot serialize. */
  @EventType(value = "engine.broken", topic = "engine.broken")
  public static final class Broken {
    /**
     * Fails on serialization.
     *
     * @return never
     */
    public String getValue() {
      throw new IllegalStateException("cannot serialize me");
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  private EventBus bus(EventBus.Builder builder) {
    EventBus bus = builder.build();
    closeables.add(bus);
    return bus;
  }

  private static InMemoryTransport onePartition() {
    return InMemoryTransport.builder().partitions(1).build();
  }

  @Test
  void manualClockStepsThroughABackoffOneAttemptAtATime() {
    VirtualClock clock = VirtualClock.create();
    InMemoryTransport transport = onePartition();
    List<Duration> delays = new CopyOnWriteArrayList<>();
    EventBus bus = bus(EventBus.builder().transport(transport).clock(clock).listener(new EventBusListener() {
      @Override
      public void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable c) {
        delays.add(delay);
      }
    }));
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    List<Instant> attemptTimes = new CopyOnWriteArrayList<>();
    bus.subscribe(Task.class).group("stepper").retry(RetryPolicy.exponential(3, Duration.ofSeconds(10)))
        .handle((task, ctx) -> {
          attempts.add(ctx.attempt());
          attemptTimes.add(clock.instant());
          throw new IllegalStateException("down");
        });
    bus.publish(new Task("k", 1)).join();

    awaitUntil(() -> attempts.size() == 1 && clock.pendingTimers() == 1, "the first attempt and its retry timer");
    clock.advance(Duration.ofMillis(9_999));
    assertThat(attempts).containsExactly(1);
    assertThat(clock.pendingTimers()).isEqualTo(1);

    clock.advance(Duration.ofMillis(1));
    awaitUntil(() -> attempts.size() == 2 && clock.pendingTimers() == 1, "the second attempt and its timer");
    clock.advance(Duration.ofSeconds(19));
    assertThat(attempts).containsExactly(1, 2);
    assertThat(bus.awaitIdle(Duration.ofMillis(50))).as("idle while a retry is pending").isFalse();

    clock.advance(Duration.ofSeconds(1));
    awaitUntil(() -> attempts.size() == 3, "the third attempt");
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(delays).containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20));
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(attemptTimes).containsExactly(start, start.plusSeconds(10), start.plusSeconds(30));
    assertThat(transport.records("engine.tasks.stepper.dlt")).hasSize(1);
  }

  @Test
  void autoAdvancingClockRunsAMinutesLongBackoffWithoutWaiting() {
    VirtualClock clock = VirtualClock.autoAdvancing();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    EventBus bus = bus(EventBus.builder().transport(InMemoryTransport.create()).clock(clock)
        .listener(new EventBusListener() {
          @Override
          public void onDeadLettered(DeadLetter deadLetter, String topic) {
            letters.add(deadLetter);
          }
        }));
    bus.subscribe(Task.class).group("patient").retry(RetryPolicy.fixed(6, Duration.ofMinutes(2)))
        .handle((task, ctx) -> {
          throw new IllegalStateException("still down");
        });
    long wallStart = System.nanoTime();
    bus.publish(new Task("k", 1)).join();

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - wallStart)).as("wall time of a 10-minute backoff")
        .isLessThan(Duration.ofSeconds(10));
    assertThat(letters).singleElement().satisfies(letter -> {
      assertThat(letter.failure().attempts()).isEqualTo(6);
      assertThat(Duration.between(letter.failure().firstFailure(), letter.failure().lastFailure()))
          .isEqualTo(Duration.ofMinutes(10));
    });
  }

  @Test
  void aKeyWaitingForItsRetryDoesNotBlockOtherKeysOfTheSamePartition() {
    VirtualClock clock = VirtualClock.create();
    EventBus bus = bus(EventBus.builder().transport(onePartition()).clock(clock));
    Map<String, List<Integer>> handled = new ConcurrentHashMap<>();
    AtomicInteger failures = new AtomicInteger();
    bus.subscribe(Task.class).group("keys").retry(RetryPolicy.fixed(2, Duration.ofSeconds(5)))
        .handle((task, ctx) -> {
          if (task.key().equals("slow") && task.seq() == 0 && ctx.attempt() == 1) {
            failures.incrementAndGet();
            throw new IllegalStateException("first attempt fails");
          }
          handled.computeIfAbsent(task.key(), k -> new CopyOnWriteArrayList<>()).add(task.seq());
        });
    for (int seq = 0; seq < 200; seq++) {
      bus.publish(new Task(seq % 2 == 0 ? "slow" : "fast", seq));
    }

    awaitUntil(() -> handled.getOrDefault("fast", List.of()).size() == 100, "every event of the other key");
    assertThat(failures.get()).isEqualTo(1);
    assertThat(handled.get("slow")).as("the blocked key while its head waits").isNull();

    clock.advance(Duration.ofSeconds(5));
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(handled.get("slow")).containsExactlyElementsOf(evens(0, 200));
    assertThat(handled.get("fast")).containsExactlyElementsOf(odds(0, 200));
  }

  @Test
  void closingWhileARetryWaitsOnAManualClockDoesNotWaitForTheClock() {
    VirtualClock clock = VirtualClock.create();
    InMemoryTransport transport = onePartition();
    EventBus bus = EventBus.builder().transport(transport).closeTransport(false).clock(clock)
        .shutdownTimeout(Duration.ofSeconds(20)).build();
    closeables.add(transport);
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    bus.subscribe(Task.class).group("waiting").retry(RetryPolicy.fixed(3, Duration.ofHours(1))).handle((task, ctx) -> {
      attempts.add(ctx.attempt());
      throw new IllegalStateException("down");
    });
    bus.publish(new Task("k", 1)).join();
    awaitUntil(() -> clock.pendingTimers() == 1, "the retry timer");

    long start = System.nanoTime();
    bus.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("close() waited for the clock")
        .isLessThan(Duration.ofSeconds(10));
    assertThat(attempts).containsExactly(1);
    assertThat(transport.committedOffsets("waiting", List.of("engine.tasks")))
        .containsEntry(new TopicPartition("engine.tasks", 0), 0L);
  }

  @Test
  void concurrencyRunsThatManyKeysInParallel() {
    EventBus bus = bus(EventBus.builder().transport(onePartition()));
    int concurrency = 8;
    CyclicBarrier barrier = new CyclicBarrier(concurrency);
    AtomicInteger passed = new AtomicInteger();
    bus.subscribe(Task.class).group("parallel").concurrency(concurrency).handle((task, ctx) -> {
      barrier.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS); // breaks unless 8 handlers run at once
      passed.incrementAndGet();
    });
    for (int seq = 0; seq < 64; seq++) {
      bus.publish(new Task("key-" + seq, seq));
    }
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(passed.get()).isEqualTo(64);
  }

  @Test
  void aHandlerHangingOnThePollThreadLeavesTheMemberRebalancingAndClosingInTime() throws Exception {
    InMemoryTransport transport = InMemoryTransport.builder().partitions(2).build();
    closeables.add(transport);
    EventBus first = bus(EventBus.builder().transport(transport).closeTransport(false)
        .shutdownTimeout(Duration.ofSeconds(1)));
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> hung = new CompletableFuture<>();
    List<Integer> handledByFirst = new CopyOnWriteArrayList<>();
    Subscription stuck = first.subscribe(Task.class).group("stuck").handle((task, ctx) -> {
      // Short handlers of a concurrency(1) subscription end up running on its poll thread: the
      // first call that does hangs there.
      if (Thread.currentThread().getName().startsWith("chorus-stuck-poll-") && hung.complete(task.key())) {
        release.await(TIMEOUT.multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS); // past every wait below
      }
      handledByFirst.add(task.seq());
    });
    try {
      warmUpUntil(first, handledByFirst, hung);

      // A second member gets a partition only once the first gives one up, which takes a poll:
      // the handler thread polls in the hung poll thread's place.
      EventBus second = bus(EventBus.builder().transport(transport).closeTransport(false));
      List<Integer> handledBySecond = new CopyOnWriteArrayList<>();
      long joining = System.nanoTime();
      second.subscribe(Task.class).group("stuck").handle((task, ctx) -> handledBySecond.add(task.seq()));
      assertThat(Duration.ofNanos(System.nanoTime() - joining)).as("time for the second member to join")
          .isLessThan(Duration.ofSeconds(10));
      int from = 10_000;
      for (int seq = from; seq < from + 40; seq++) {
        second.publish(new Task("after-" + seq, seq)).join();
      }
      awaitUntil(() -> handledBySecond.stream().anyMatch(seq -> seq >= from), "a new event handled by the second member");
      int partition = partitionOf(transport, handledBySecond.stream().filter(seq -> seq >= from).findFirst().get());
      List<Integer> ofItsPartition = range(from, from + 40).stream()
          .filter(seq -> partitionOf(transport, seq) == partition).toList();
      awaitUntil(() -> handledBySecond.containsAll(ofItsPartition), "the new events of the second member's partition");
      assertThat(handledBySecond.stream().filter(seq -> seq >= from).sorted().toList())
          .as("new events the second member handled: all of its partition, none of the other")
          .containsExactlyElementsOf(ofItsPartition);

      long closing = System.nanoTime();
      first.close();
      assertThat(Duration.ofNanos(System.nanoTime() - closing)).as("close() while the handler hangs")
          .isLessThan(Duration.ofSeconds(5));
      assertThat(stuck.state()).isEqualTo(Subscription.State.CLOSED);
      assertThat(release.getCount()).as("the handler still hangs").isEqualTo(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aMemberThatCaughtUpRunsBatchesOfUpToAMillisecondOnItsPollThreadABackloggedOneHandsThemOver() {
    // Rounds of 10 events of 20 µs each, in polls of exactly 10: over the 100 µs a backlogged
    // member runs on its poll thread, under the 1 ms of one that caught up. Below a limit of 500
    // the member has caught up; at a limit of 10 every poll is full: a backlog (a new member
    // assumes one until a poll comes back short).
    warmUpTheCodec();
    assertThat(new TenARound("caught-up", 500).untilOnThePollThread())
        .allSatisfy(thread -> assertThat(thread).startsWith("chorus-caught-up-poll-"));

    TenARound backlogged = new TenARound("backlogged", 10);
    List<String> threads = new ArrayList<>();
    for (int round = 0; round < TenARound.MAX_ROUNDS; round++) {
      threads.addAll(backlogged.round(20));
    }
    assertThat(threads).as("threads of every event").hasSize(10 * TenARound.MAX_ROUNDS)
        .allSatisfy(thread -> assertThat(thread).startsWith("chorus-backlogged-handler-"));

    // Not because handler times were still settling: a new caught-up member now gets there too.
    assertThat(new TenARound("caught-up-again", 500).untilOnThePollThread())
        .allSatisfy(thread -> assertThat(thread).startsWith("chorus-caught-up-again-poll-"));
  }

  @Test
  void oneSlowCallDoesNotSendTheNextBatchesOfACaughtUpMemberToItsHandlerThread() {
    warmUpTheCodec();
    TenARound member = new TenARound("slow-once", 500);
    member.untilOnThePollThread();
    for (int round = 0; round < 10; round++) {
      member.round(20); // recent times settle below the first that passed
    }
    // 20 ms in a round of 10 is 2 ms an event, 100 times the others: counted in full, it would put
    // the next round of 10 over 1 ms.
    assertThat(member.round(20_000)).as("the round with the slow call").hasSize(10);
    assertThat(member.round(20)).as("threads of the round after it")
        .allSatisfy(thread -> assertThat(thread).startsWith("chorus-slow-once-poll-"));
  }

  @Test
  void aFullPollAfterShortOnesRunsOnThePollThreadTheSecondFullOneInARowIsHandedOver() {
    // A limit of 6: polls of 5 are short (caught up), polls of 6 full. The first full poll after a
    // short one is a burst (the records of a GC pause, say); two full polls in a row are a backlog.
    // Six events of 20 µs are over the 100 µs bound of a backlog whatever the times, and well under 1 ms.
    warmUpTheCodec();
    TenARound member = new TenARound("burst", 6);
    assertThat(member.untilOnThePollThread(5)).as("threads of a short poll's events")
        .allSatisfy(thread -> assertThat(thread).startsWith("chorus-burst-poll-"));
    for (int round = 0; round < 10; round++) {
      member.round(5, 20); // recent times settle
    }

    assertThat(member.round(6, 20)).as("threads of the first full poll's events")
        .allSatisfy(thread -> assertThat(thread).startsWith("chorus-burst-poll-"));
    assertThat(member.round(6, 20)).as("threads of the second full poll's events")
        .allSatisfy(thread -> assertThat(thread).startsWith("chorus-burst-handler-"));
    assertThat(member.round(5, 20)).as("threads of the next short poll's events")
        .allSatisfy(thread -> assertThat(thread).startsWith("chorus-burst-poll-"));
  }

  /** Decodes one task in a bus of its own: the first in a JVM takes milliseconds while Jackson builds its deserializer. */
  private void warmUpTheCodec() {
    EventBus bus = bus(EventBus.builder().transport(onePartition()));
    List<Task> handled = new CopyOnWriteArrayList<>();
    bus.subscribe(Task.class).group("warm-up").handle((task, ctx) -> handled.add(task));
    bus.publish(new Task("warm-up", 0)).join();
    awaitUntil(() -> handled.size() == 1, "the warm-up task handled");
  }

  /**
   * A {@code concurrency(1)} member of a new group, handling rounds of 10 tasks (or of another
   * size) of distinct keys, one poll and one batch a round, by a transport that reports
   * {@code limit} records a poll. A task spins for its {@code seq} in microseconds.
   */
  private final class TenARound {
    static final int MAX_ROUNDS = 40;
    private final FaultyTransport transport;
    private final EventBus bus;
    private final List<String> threads = new CopyOnWriteArrayList<>();
    private int rounds;

    TenARound(String group, int limit) {
      transport = new FaultyTransport(onePartition());
      transport.pollsOf = 10;
      transport.maxPollRecords = limit;
      bus = bus(EventBus.builder().transport(transport));
      bus.subscribe(Task.class).group(group).handle((task, ctx) -> {
        long until = System.nanoTime() + task.seq() * 1_000L;
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        threads.add(Thread.currentThread().getName());
      });
    }

    /** Runs a round of 10 whose first task takes {@code firstMicros}, the others 20 µs; the threads that handled it. */
    List<String> round(int firstMicros) {
      return round(10, firstMicros);
    }

    /** Runs a round of {@code size} tasks in one poll, as {@link #round(int)} does. */
    List<String> round(int size, int firstMicros) {
      transport.pollsOf = size; // the previous round was handled: nothing is held back
      rounds++;
      int from = threads.size();
      for (int i = 0; i < size; i++) {
        bus.publish(new Task("key-" + i, i == 0 ? firstMicros : 20)).join();
      }
      awaitUntil(() -> threads.size() == from + size, "round " + rounds + " handled");
      assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
      return List.copyOf(threads.subList(from, from + size));
    }

    /** Runs rounds of ten 20 µs tasks until one runs wholly on the poll thread, up to {@link #MAX_ROUNDS}; the last round's threads. */
    List<String> untilOnThePollThread() {
      return untilOnThePollThread(10);
    }

    /** The same with rounds of {@code size}. */
    List<String> untilOnThePollThread(int size) {
      List<String> round;
      do {
        round = round(size, 20);
      } while (rounds < MAX_ROUNDS && !round.stream().allMatch(thread -> thread.contains("-poll-")));
      return round;
    }
  }

  @Test
  void whileAHandlerHangsOnThePollThreadNothingElseStartsNotEvenAfterClose() throws Exception {
    InMemoryTransport transport = onePartition();
    closeables.add(transport);
    List<String> skippedOn = new CopyOnWriteArrayList<>();
    EventBus bus = bus(EventBus.builder().transport(transport).closeTransport(false)
        .shutdownTimeout(Duration.ofSeconds(1)).listener(new EventBusListener() {
          @Override
          public void onSkipped(EventMetadata metadata, String group, String reason) {
            skippedOn.add(Thread.currentThread().getName());
          }
        }));
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Integer> hung = new CompletableFuture<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    List<Integer> handled = new CopyOnWriteArrayList<>();
    Subscription subscription = bus.subscribe(Task.class).group("alone").handle((task, ctx) -> {
      mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        if (Thread.currentThread().getName().startsWith("chorus-alone-poll-") && hung.complete(task.seq())) {
          release.await(TIMEOUT.multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS);
        }
        handled.add(task.seq());
      } finally {
        running.decrementAndGet();
      }
    });
    try {
      warmUpUntil(bus, handled, hung);
      int handledBefore = handled.size();
      for (int seq = 10_000; seq < 10_005; seq++) {
        bus.publish(new Task("late-" + seq, seq)).join();
      }
      bus.publish(new TaskNote("note")).join();
      // The note is skipped by whichever thread polls it: the handler thread, in the hung poll
      // thread's place, having polled the late tasks before it (one partition, so in order).
      awaitUntil(() -> !skippedOn.isEmpty(), "the note to be polled");
      assertThat(skippedOn).singleElement().asString().startsWith("chorus-alone-handler-");

      bus.close();
      assertThat(subscription.state()).isEqualTo(Subscription.State.CLOSED);
      release.countDown();
      awaitUntil(() -> handled.contains(hung.join()), "the hung call to return");
      awaitUntil(() -> running.get() == 0, "no handler call running");

      assertThat(mostAtOnce.get()).as("handler calls at once, concurrency(1)").isEqualTo(1);
      assertThat(handled.subList(handledBefore, handled.size())).as("calls that ended after the hang began")
          .containsExactly(hung.join());
    } finally {
      release.countDown();
    }
  }

  @Test
  void aHandlerThatLeavesItsThreadInterruptedDoesNotLeaveTheNextCallInterrupted() {
    EventBus bus = bus(EventBus.builder().transport(onePartition()));
    List<Boolean> interruptedAtStart = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    AtomicInteger interruptedBy = new AtomicInteger(-1);
    bus.subscribe(Task.class).group("interrupting").handle((task, ctx) -> {
      interruptedAtStart.add(Thread.currentThread().isInterrupted());
      threads.add(Thread.currentThread().getName());
      if (Thread.currentThread().getName().startsWith("chorus-interrupting-poll-")
          && interruptedBy.compareAndSet(-1, task.seq())) {
        Thread.currentThread().interrupt(); // as a handler swallowing an InterruptedException might
      }
    });
    int seq = 0;
    while (interruptedBy.get() < 0 || seq <= interruptedBy.get() + 20) {
      assertThat(seq).as("events handled before one ran on the poll thread").isLessThan(2_000);
      bus.publish(new Task("k-" + seq, seq)).join();
      int published = ++seq;
      awaitUntil(() -> interruptedAtStart.size() == published, "event " + seq);
    }

    assertThat(interruptedAtStart).as("interrupt flag at the start of each call").containsOnly(false);
    assertThat(threads.subList(interruptedBy.get() + 1, threads.size()))
        .as("threads of the calls after the interrupting one").hasSize(20)
        .anySatisfy(thread -> assertThat(thread).startsWith("chorus-interrupting-poll-"));
  }

  /**
   * Publishes tasks {@code warm-0}, {@code warm-1}, ... one at a time, each handled before the
   * next, until {@code hung} is done: a short {@code concurrency(1)} handler soon runs on the
   * poll thread, and the handlers here hang on the first call that does.
   */
  private static void warmUpUntil(EventBus bus, List<Integer> handled, CompletableFuture<?> hung) {
    int warmUp = 0;
    while (!hung.isDone()) {
      assertThat(warmUp).as("events handled before one ran on the poll thread").isLessThan(2_000);
      bus.publish(new Task("warm-" + warmUp, warmUp)).join();
      int published = ++warmUp;
      awaitUntil(() -> handled.size() == published || hung.isDone(), "warm-up event " + warmUp);
    }
  }

  private static int partitionOf(InMemoryTransport transport, int seq) {
    return transport.records("engine.tasks").stream()
        .filter(record -> record.key().equals((seq >= 10_000 ? "after-" : "warm-") + seq))
        .findFirst().orElseThrow().partition();
  }

  @Test
  void aLongBacklogBehindABlockedKeyPausesThePartitionAndLosesNothing() throws InterruptedException {
    FaultyTransport transport = new FaultyTransport(onePartition());
    EventBus bus = bus(EventBus.builder().transport(transport));
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> handled = new CopyOnWriteArrayList<>();
    bus.subscribe(Task.class).group("backlog").handle((task, ctx) -> {
      if (task.seq() == 0) {
        release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      handled.add(task.seq());
    });
    for (int seq = 0; seq < 5_000; seq++) {
      bus.publish(new Task("one-key", seq));
    }
    awaitUntil(() -> !transport.paused.isEmpty(), "the partition to be paused");
    assertThat(transport.paused).containsOnly(new TopicPartition("engine.tasks", 0));
    assertThat(handled).isEmpty();

    release.countDown();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(handled).containsExactlyElementsOf(range(0, 5_000));
  }

  @Test
  void aSubscriptionSurvivesFailingPollsAndHandlesEverythingAfterwards() {
    FaultyTransport transport = new FaultyTransport(onePartition());
    EventBus bus = bus(EventBus.builder().transport(transport));
    List<Integer> handled = new CopyOnWriteArrayList<>();
    Subscription subscription = bus.subscribe(Task.class).group("resilient").handle((task, ctx) -> handled.add(task.seq()));
    transport.failingPolls.set(3);
    for (int seq = 0; seq < 20; seq++) {
      bus.publish(new Task("k", seq));
    }
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(transport.failingPolls.get()).isZero();
    assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
    assertThat(handled).containsExactlyElementsOf(range(0, 20));
  }

  @Test
  void discardPolicyReportsTheFailureAndMovesOn() {
    InMemoryTransport transport = onePartition();
    List<DeadLetter> discarded = new CopyOnWriteArrayList<>();
    EventBus bus = bus(EventBus.builder().transport(transport).clock(VirtualClock.autoAdvancing())
        .listener(new EventBusListener() {
          @Override
          public void onDiscarded(DeadLetter deadLetter) {
            discarded.add(deadLetter);
          }
        }));
    List<Integer> handled = new CopyOnWriteArrayList<>();
    bus.subscribe(Task.class).group("lenient").deadLetter(DeadLetterPolicy.discard()).handle((task, ctx) -> {
      if (task.seq() % 10 == 3) {
        throw new IllegalArgumentException("bad task " + task.seq());
      }
      handled.add(task.seq());
    });
    for (int seq = 0; seq < 100; seq++) {
      bus.publish(new Task("k", seq));
    }
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(discarded).extracting(letter -> letter.payload(Task.class).seq())
        .containsExactly(3, 13, 23, 33, 43, 53, 63, 73, 83, 93);
    assertThat(discarded).allSatisfy(letter -> {
      assertThat(letter.failure().reason()).isEqualTo(DeadLetter.Reason.HANDLER_FAILED);
      assertThat(letter.failure().attempts()).isEqualTo(3);
    });
    assertThat(handled).hasSize(90);
    assertThat(transport.records("engine.tasks.lenient.dlt")).isEmpty();
    assertThat(transport.committedOffsets("lenient", List.of("engine.tasks")))
        .containsEntry(new TopicPartition("engine.tasks", 0), 100L);
  }

  @Test
  void aFailedDeadLetterWriteIsTriedAgainAndThePositionWaitsForIt() {
    VirtualClock clock = VirtualClock.create();
    FaultyTransport transport = new FaultyTransport(onePartition());
    AtomicInteger refused = new AtomicInteger();
    transport.failSend = record -> record.topic().endsWith(".dlt") && refused.incrementAndGet() <= 3;
    EventBus bus = bus(EventBus.builder().transport(transport).clock(clock));
    bus.subscribe(Task.class).group("dlt-outage").retry(RetryPolicy.none()).handle((task, ctx) -> {
      if (task.seq() == 0) {
        throw new IllegalStateException("poison");
      }
    });
    for (int seq = 0; seq < 10; seq++) {
      bus.publish(new Task("k", seq)).join();
    }
    TopicPartition partition = new TopicPartition("engine.tasks", 0);

    awaitUntil(() -> refused.get() == 1 && clock.pendingTimers() == 1, "the first refused dead-letter write");
    assertThat(transport.committedOffsets("dlt-outage", List.of("engine.tasks")).get(partition)).isZero();
    clock.advance(Duration.ofMillis(100));
    awaitUntil(() -> refused.get() == 2 && clock.pendingTimers() == 1, "the second refused write");
    clock.advance(Duration.ofMillis(200));
    awaitUntil(() -> refused.get() == 3 && clock.pendingTimers() == 1, "the third refused write");
    assertThat(transport.committedOffsets("dlt-outage", List.of("engine.tasks")).get(partition)).isZero();
    clock.advance(Duration.ofMillis(400));

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(((InMemoryTransport) transport.delegate).records("engine.tasks.dlt-outage.dlt")).hasSize(1);
    assertThat(transport.committedOffsets("dlt-outage", List.of("engine.tasks"))).containsEntry(partition, 10L);
  }

  @Test
  void aFailureMessageQuotingMegabytesIsCutTo8KiBInTheDeadLetter() {
    InMemoryTransport transport = onePartition();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    EventBus bus = bus(EventBus.builder().transport(transport).listener(new EventBusListener() {
      @Override
      public void onDeadLettered(DeadLetter deadLetter, String topic) {
        letters.add(deadLetter);
      }
    }));
    String huge = "bad task: " + "x".repeat(2 * 1024 * 1024);
    bus.subscribe(Task.class).group("verbose").retry(RetryPolicy.none()).handle((task, ctx) -> {
      throw new IllegalArgumentException(huge);
    });
    bus.publish(new Task("k", 1)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(letters).singleElement().satisfies(letter -> {
      assertThat(letter.failure().message()).isEqualTo(huge.substring(0, 8 * 1024));
      assertThat(letter.failure().stackTrace()).hasSize(8 * 1024);
    });
    assertThat(transport.records("engine.tasks.verbose.dlt")).singleElement()
        .satisfies(record -> assertThat(record.headers().get("kafka_dlt-exception-message")).hasSize(8 * 1024));
  }

  @Test
  void aFollowUpEventThatWasNotPublishedFailsTheAttemptSoTheChainKeepsEveryLink() {
    FaultyTransport transport = new FaultyTransport(onePartition());
    AtomicInteger refused = new AtomicInteger();
    transport.failSend = record -> record.topic().equals("engine.done") && refused.incrementAndGet() == 1;
    EventBus bus = bus(EventBus.builder().transport(transport).clock(VirtualClock.autoAdvancing()));
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    bus.subscribe(Task.class).group("chain").handle((task, ctx) -> {
      attempts.add(ctx.attempt());
      ctx.publish(new TaskDone(task.key(), task.seq()));
    });
    List<Integer> done = new CopyOnWriteArrayList<>();
    bus.subscribe(TaskDone.class).group("chain-end").startFrom(StartPosition.EARLIEST)
        .handle((event, ctx) -> done.add(event.seq()));

    bus.publish(new Task("k", 7)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(attempts).containsExactly(1, 2);
    assertThat(done).containsExactly(7);
  }

  @Test
  void aPublishTheTransportRefusesCompletesWithPublishExceptionAndTellsTheListener() {
    FaultyTransport transport = new FaultyTransport(onePartition());
    transport.failSend = record -> true;
    List<String> failedTopics = new CopyOnWriteArrayList<>();
    EventBus bus = bus(EventBus.builder().transport(transport).listener(new EventBusListener() {
      @Override
      public void onPublishFailed(EventMetadata metadata, String topic, Throwable failure) {
        failedTopics.add(topic + ":" + metadata.type());
      }
    }));

    CompletableFuture<PublishReceipt> sent = bus.publish(new Task("k", 1));

    assertThatThrownBy(sent::get).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOf(PublishException.class)
        .hasMessageContaining("was not published to engine.tasks: injected send failure to engine.tasks")
        .satisfies(e -> {
          assertThat(((PublishException) e).topic()).isEqualTo("engine.tasks");
          assertThat(((PublishException) e).eventId()).hasSize(36);
        });
    assertThat(failedTopics).containsExactly("engine.tasks:engine.task");
  }

  @Test
  void aPublishTheTransportRefusesAtOnceCompletesWithPublishExceptionAndLeavesNothingPending() {
    FaultyTransport transport = new FaultyTransport(onePartition());
    transport.throwOnSend = record -> record.key().equals("refused");
    List<String> failed = new CopyOnWriteArrayList<>();
    EventBus bus = bus(EventBus.builder().transport(transport).listener(new EventBusListener() {
      @Override
      public void onPublishFailed(EventMetadata metadata, String topic, Throwable failure) {
        failed.add(metadata.key() + "@" + topic + ": " + failure.getCause().getMessage());
      }
    }));

    CompletableFuture<PublishReceipt> refused = bus.publish(new Task("refused", 1));
    PublishReceipt accepted = bus.publish(new Task("k", 2)).join();

    assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOf(PublishException.class)
        .hasMessageEndingWith("was not published to engine.tasks: injected refusal of a record for engine.tasks");
    assertThat(failed).containsExactly("refused@engine.tasks: injected refusal of a record for engine.tasks");
    assertThat(accepted.offset()).isZero();
    assertThat(bus.awaitIdle(TIMEOUT)).as("no publish left pending").isTrue();
  }

  @Test
  void anEventJacksonCannotSerializeFailsItsPublishFuture() {
    EventBus bus = bus(EventBus.builder().transport(onePartition()));
    assertThatThrownBy(() -> bus.publish(new Broken()).get()).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOf(PublishException.class).hasMessageContaining("cannot encode");
  }

  @Test
  void aListenerThatThrowsDoesNotDisturbDelivery() {
    EventBus bus = bus(EventBus.builder().transport(onePartition()).listener(new EventBusListener() {
      @Override
      public void onPublished(EventMetadata metadata, PublishReceipt receipt) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {
        throw new IllegalStateException("listener bug");
      }
    }));
    List<Integer> handled = new CopyOnWriteArrayList<>();
    bus.subscribe(Task.class).group("robust").handle((task, ctx) -> handled.add(task.seq()));
    for (int seq = 0; seq < 50; seq++) {
      assertThat(bus.publish(new Task("k", seq)).join().offset()).isEqualTo(seq);
    }
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(handled).containsExactlyElementsOf(range(0, 50));
  }

  @Test
  void handlerThreadsCarryTheEventInTheLoggingContextOnlyWhileHandling() {
    List<String> leaked = new CopyOnWriteArrayList<>();
    EventBus bus = bus(EventBus.builder().transport(onePartition()).listener(new EventBusListener() {
      @Override
      public void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {
        if (MDC.get("chorus.eventId") != null) {
          leaked.add(Thread.currentThread().getName());
        }
      }
    }));
    List<Map<String, String>> during = new CopyOnWriteArrayList<>();
    List<EventMetadata> metadata = new CopyOnWriteArrayList<>();
    bus.subscribe(Task.class).group("logged").handle((task, ctx) -> {
      during.add(MDC.getCopyOfContextMap());
      metadata.add(ctx.metadata());
      // Anything the engine leaves behind would show up in the next event's map.
      MDC.put("user.key", "left by the handler");
    });
    bus.publish(new Task("a", 1)).join();
    bus.publish(new Task("b", 2)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(during).hasSize(2);
    assertThat(leaked).as("threads outside the handler that saw the MDC keys").isEmpty();
    for (int i = 0; i < 2; i++) {
      assertThat(during.get(i)).containsEntry("chorus.eventId", metadata.get(i).id())
          .containsEntry("chorus.eventType", "engine.task")
          .containsEntry("chorus.correlationId", metadata.get(i).correlationId())
          .containsEntry("chorus.group", "logged");
    }
  }

  @Test
  void jitterFromTheSameSeedGivesTheSameDelaysWithinTheBounds() {
    List<Duration> first = delaysWithSeed(42);
    List<Duration> second = delaysWithSeed(42);
    assertThat(first).hasSize(4).isEqualTo(second);
    List<Duration> base = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
        Duration.ofSeconds(8));
    for (int i = 0; i < 4; i++) {
      assertThat(first.get(i)).isBetween(base.get(i).dividedBy(2), base.get(i).multipliedBy(3).dividedBy(2));
    }
    assertThat(first).isNotEqualTo(base);
  }

  private List<Duration> delaysWithSeed(long seed) {
    List<Duration> delays = new CopyOnWriteArrayList<>();
    EventBus bus = bus(EventBus.builder().transport(onePartition()).clock(VirtualClock.autoAdvancing())
        .random(new SplittableRandom(seed)).listener(new EventBusListener() {
          @Override
          public void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay,
              Throwable cause) {
            delays.add(delay);
          }
        }));
    bus.subscribe(Task.class).group("jittery").deadLetter(DeadLetterPolicy.discard())
        .retry(RetryPolicy.exponential(5, Duration.ofSeconds(1)).jitter(0.5)).handle((task, ctx) -> {
          throw new IllegalStateException("down");
        });
    bus.publish(new Task("k", 1)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    return delays;
  }

  @Test
  void anErrorThrownByAHandlerIsAFailedAttemptLikeAnyOther() {
    EventBus bus = bus(EventBus.builder().transport(onePartition()).clock(VirtualClock.autoAdvancing()));
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    bus.subscribe(Task.class).group("asserting").handle((task, ctx) -> {
      attempts.add(ctx.attempt());
      if (ctx.attempt() == 1) {
        throw new AssertionError("first attempt");
      }
    });
    bus.publish(new Task("k", 1)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(attempts).containsExactly(1, 2);
  }

  @Test
  void subscriptionStateFollowsItsLife() {
    EventBus bus = bus(EventBus.builder().transport(onePartition()));
    Subscription subscription = bus.subscribe(Task.class).group("life").handle((task, ctx) -> {});
    assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
    assertThat(subscription.group()).isEqualTo("life");
    assertThat(subscription.topics()).containsExactly("engine.tasks");
    subscription.close();
    subscription.close();
    assertThat(subscription.state()).isEqualTo(Subscription.State.CLOSED);
    bus.close();
    bus.close();
    assertThatIllegalStateException().isThrownBy(() -> bus.subscribe(Task.class))
        .withMessage("the event bus is closed");
  }

  @Test
  void badSubscriptionSettingsAreRejectedWithTheOptionNamed() {
    EventBus bus = bus(EventBus.builder().transport(onePartition()));
    assertThatIllegalStateException().isThrownBy(() -> bus.subscribe(Task.class).handle((task, ctx) -> {}))
        .withMessageContaining("a subscription needs a group");
    assertThatIllegalArgumentException().isThrownBy(() -> bus.subscribe(Task.class).concurrency(0))
        .withMessage("concurrency must be between 1 and 1024: 0");
    assertThatIllegalArgumentException().isThrownBy(() -> bus.subscribe(Task.class).group("has space"))
        .withMessageContaining("group must be");
    assertThatIllegalArgumentException().isThrownBy(() -> bus.subscribe(LongTopic.class).group("g".repeat(200))
        .handle((task, ctx) -> {})).withMessageContaining("is not a valid topic name");
    assertThatIllegalArgumentException().isThrownBy(() -> bus.subscribe(Runnable.class))
        .withMessageContaining("not sealed");
    assertThatIllegalStateException().isThrownBy(() -> EventBus.builder().build())
        .withMessageContaining("transport is required");
  }

  @Test
  void fromConfigBuildsAnInMemoryBusAndNamesWhatIsMissing() {
    EventBus bus = EventBuses.fromConfig(Map.of("chorus.source", "billing", "chorus.inmemory.partitions", "2"));
    closeables.add(bus);
    List<EventMetadata> seen = new CopyOnWriteArrayList<>();
    bus.subscribe(Task.class).group("configured").handle((task, ctx) -> seen.add(ctx.metadata()));
    PublishReceipt receipt = bus.publish(new Task("k", 1)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(seen).singleElement().satisfies(metadata -> assertThat(metadata.source()).isEqualTo("billing"));
    assertThat(receipt.partition()).isBetween(0, 1);

    assertThatIllegalArgumentException().isThrownBy(() -> EventBuses.fromConfig(Map.of("chorus.transport", "kafka")))
        .withMessageContaining("no Chorus transport named 'kafka'")
        .withMessageContaining("chorus-kafka");
  }

  private static void awaitUntil(BooleanSupplier condition, String description) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after %s waiting for %s", TIMEOUT, description);
      }
      LockSupport.parkNanos(1_000_000); // poll the condition; no assumption about how long anything takes
    }
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> list = new ArrayList<>();
    for (int i = from; i < to; i++) {
      list.add(i);
    }
    return list;
  }

  private static List<Integer> evens(int from, int to) {
    return range(from, to).stream().filter(i -> i % 2 == 0).toList();
  }

  private static List<Integer> odds(int from, int to) {
    return range(from, to).stream().filter(i -> i % 2 == 1).toList();
  }
}

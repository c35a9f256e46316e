package dev.chorus.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.reliability.Ledger.Call;
import dev.chorus.reliability.Publisher.Acked;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Subscribers in child JVMs on a real broker, faults injected on a schedule, and an exact ledger
 * of every acknowledged publish, handler call and dead letter checked at the end.
 */
class FaultScenariosTest {

  private static final Scale SCALE = Scale.current();
  private static final Duration OUTAGE = Duration.ofSeconds(8);
  private static final Duration LONG = Duration.ofMinutes(SCALE.name().equals("long") ? 30 : 3);

  @Test
  void tenPercentFailTheirFirstTwoAttemptsAndAllSucceedOnTheThird() {
    int events = SCALE.fraction(2);
    Map<String, String> settings = Map.of("failEvery", "10", "failFirst", "2", "maxAttempts", "3",
        "retryDelayMs", "10", "concurrency", "4");
    try (Run run = new Run("handler-failures", 64)) {
      run.subscriber("a", settings);
      run.subscriber("b", settings);

      run.publisher.publish(events);
      run.drain(LONG);
      run.stopSubscribers();

      Verdict verdict = run.verdict();
      assertThat(run.publisher.failed()).isEmpty();
      assertThat(verdict.acked).hasSize(events);
      assertThat(verdict.missing()).isEmpty();
      assertThat(verdict.deadLetters).isEmpty();
      assertThat(verdict.duplicates()).isEmpty();
      Map<Long, List<String>> attempts = verdict.calls.stream().collect(Collectors.groupingBy(Call::id,
          Collectors.mapping(call -> call.attempt() + (call.ok() ? "ok" : "fail"), Collectors.toList())));
      assertThat(attempts).hasSize(events);
      attempts.forEach((id, calls) -> assertThat(calls).as("calls of event " + id)
          .containsExactlyElementsOf(id % 10 == 0 ? List.of("1fail", "2fail", "3ok") : List.of("1ok")));
      assertThat(verdict.calls).hasSize(events + 2 * (events / 10));
      Report.line("handler failures scenario (%s): %d events, %d handler calls, %d dead letters, %d duplicates",
          SCALE.name(), events, verdict.calls.size(), verdict.deadLetters.size(), verdict.duplicates().size());
    }
  }

  @Test
  void killMinusNineOfOneOfThreeSubscribersLosesNothingAndDuplicatesOnlyWhatItHadNotCommitted() {
    int events = SCALE.events();
    // 2% of attempts fail (seeded) and are retried 5 ms later: some events wait for a retry when the kill comes.
    Map<String, String> settings = Map.of("concurrency", "4", "workMicros", "200", "failProbability", "0.02",
        "seed", "7", "maxAttempts", "12", "retryDelayMs", "5");
    try (Run run = new Run("kill", 64)) {
      List<SubscriberProcess> live = new ArrayList<>(List.of(
          run.subscriber("a", settings), run.subscriber("b", settings), run.subscriber("c", settings)));
      run.publisher.startBackground(events, SCALE.publishRate());

      List<Kill> kills = new ArrayList<>();
      for (int round = 1; round <= SCALE.killRounds(); round++) {
        int due = events * round / (SCALE.killRounds() + 2);
        Waits.until("handler calls to reach " + due, LONG, () -> run.calls() >= due);
        SubscriberProcess victim = live.remove(round % live.size());
        victim.kill();
        Map<Integer, Long> committed = committedAfterKill(run);
        kills.add(new Kill(victim.instance, committed));
        live.add(run.subscriber(victim.instance + "-restarted-" + round, settings));
      }

      run.publisher.awaitBackground(LONG);
      run.drain(LONG);
      run.stopSubscribers();

      Verdict verdict = run.verdict();
      assertThat(run.publisher.failed()).isEmpty();
      assertThat(verdict.acked).hasSize(events);
      assertThat(verdict.missing()).isEmpty();
      assertThat(verdict.deadLetters).isEmpty();
      assertThat(verdict.handledButNotAcked()).isEmpty();
      verdict.duplicates().forEach((id, calls) -> {
        Acked event = verdict.acked.get(id);
        assertThat(kills).as("a kill explains duplicate %s at partition %d offset %d: %s", id, event.partition(),
            event.offset(), calls).anySatisfy(kill -> {
              assertThat(calls).extracting(Call::instance).contains(kill.instance());
              assertThat(event.offset()).isGreaterThanOrEqualTo(kill.committed().getOrDefault(event.partition(), 0L));
            });
      });
      Report.line("kill scenario (%s): %d events, %d kills, %d duplicates, committed at kills %s",
          SCALE.name(), events, kills.size(), verdict.duplicates().size(), kills);
    }
  }

  @Test
  void cleanStopsAndRestartsWithEventsInFlightLoseAndDuplicateNothing() {
    int step = SCALE.fraction(20);
    // Handlers (2 ms, 2 at a time per instance) are slower than publishing: a backlog is always in flight.
    Map<String, String> settings = Map.of("concurrency", "2", "workMicros", "2000");
    try (Run run = new Run("clean-restart", 64)) {
      SubscriberProcess a = run.subscriber("a", settings);
      SubscriberProcess b = run.subscriber("b", settings);
      run.publisher.startBackground(Long.MAX_VALUE, 2_500);

      run.awaitCallsBy("a", step, LONG);
      a.stop();
      SubscriberProcess a2 = run.subscriber("a2", settings);
      run.awaitCallsBy("a2", step, LONG);
      long backlog = run.publisher.attempted() - run.calls();
      b.stop();
      a2.stop();
      run.subscriber("a3", settings);
      run.subscriber("b2", settings);
      run.awaitCallsBy("a3", step, LONG);
      run.awaitCallsBy("b2", step, LONG);
      run.publisher.stopBackground();

      run.drain(LONG);
      run.stopSubscribers();

      Verdict verdict = run.verdict();
      assertThat(backlog).as("events published but not yet handled when both instances stopped").isGreaterThan(100);
      assertThat(run.publisher.failed()).isEmpty();
      assertThat(verdict.missing()).isEmpty();
      assertThat(verdict.duplicates()).isEmpty();
      assertThat(verdict.calls).hasSize(verdict.acked.size());
      Report.line("clean restart scenario (%s): %d events, backlog at the full restart %d", SCALE.name(),
          verdict.acked.size(), backlog);
    }
  }

  @Test
  void instancesJoiningAndLeavingOneAtATimeOwnEachPartitionAloneAndLoseAndDuplicateNothing() {
    int step = SCALE.fraction(40);
    Map<String, String> settings = Map.of("concurrency", "1", "workMicros", "200");
    try (Run run = new Run("join-leave", 64)) {
      List<SubscriberProcess> members = new ArrayList<>();
      members.add(run.subscriber("m1", settings));
      run.publisher.startBackground(Long.MAX_VALUE, 1_000);
      run.awaitCallsBy("m1", step, LONG);
      for (String joining : List.of("m2", "m3", "m4")) {
        members.add(run.subscriber(joining, settings));
        run.awaitCallsBy(joining, step, LONG);
      }
      for (int leaving = 0; leaving < 3; leaving++) {
        members.remove(members.size() - 1).stop();
        run.awaitMoreCalls(step, LONG);
      }
      run.publisher.stopBackground();

      run.drain(LONG);
      run.stopSubscribers();

      Verdict verdict = run.verdict();
      assertThat(run.publisher.failed()).isEmpty();
      assertThat(verdict.missing()).isEmpty();
      assertThat(verdict.duplicates()).isEmpty();
      assertThat(verdict.calls).hasSize(verdict.acked.size());
      // One owner at a time: in time order, a partition's calls form runs by one instance each, and every
      // run starts above the highest offset handled before it (where the previous owner had committed).
      Map<Integer, List<Call>> byPartition = verdict.calls.stream()
          .sorted(java.util.Comparator.comparingLong(Call::micros))
          .collect(Collectors.groupingBy(call -> verdict.acked.get(call.id()).partition()));
      assertThat(byPartition).hasSize(Run.PARTITIONS);
      int[] handovers = {0};
      byPartition.forEach((partition, calls) -> {
        long highestBefore = -1;
        long highestInRun = -1;
        long lowestInRun = Long.MAX_VALUE;
        String owner = null;
        for (Call call : calls) {
          long offset = verdict.acked.get(call.id()).offset();
          if (!call.instance().equals(owner)) {
            assertThat(lowestInRun).as("partition %d: run of %s starts above the offsets handled before it (%d)",
                partition, owner, highestBefore).isGreaterThan(highestBefore);
            highestBefore = Math.max(highestBefore, highestInRun);
            highestInRun = -1;
            lowestInRun = Long.MAX_VALUE;
            owner = call.instance();
            handovers[0]++;
          }
          highestInRun = Math.max(highestInRun, offset);
          lowestInRun = Math.min(lowestInRun, offset);
        }
        assertThat(lowestInRun).as("partition %d: last run of %s starts above %d", partition, owner, highestBefore)
            .isGreaterThan(highestBefore);
      });
      Report.line("join/leave scenario (%s): %d events, %d runs of one owner over %d partitions",
          SCALE.name(), verdict.acked.size(), handovers[0], Run.PARTITIONS);
    }
  }

  @Test
  void aBrokerStoppedAndRestartedMidRunLosesNoAcknowledgedEventAndTheSubscriptionsRecoverOnTheirOwn() {
    int step = SCALE.fraction(20);
    Map<String, String> settings = Map.of("concurrency", "4");
    try (Run run = new Run("broker-restart", 64)) {
      SubscriberProcess a = run.subscriber("a", settings);
      SubscriberProcess b = run.subscriber("b", settings);
      run.publisher.startBackground(Long.MAX_VALUE, 2_000);
      run.awaitMoreCalls(step, LONG);

      long attemptedAtStop = run.publisher.attempted();
      run.kafka.stop();
      // The outage lasts longer than the subscribers' session timeout (6 s); publishing goes on meanwhile.
      java.util.concurrent.locks.LockSupport.parkNanos(OUTAGE.toNanos());
      long attemptedDuringOutage = run.publisher.attempted() - attemptedAtStop;
      run.kafka.restart();
      long firstIdAfterRestart = run.publisher.attempted();
      Waits.until("publishing to go on after the restart", LONG,
          () -> run.publisher.acked().keySet().stream().anyMatch(id -> id >= firstIdAfterRestart + step));
      run.awaitMoreCalls(step, LONG);
      run.publisher.stopBackground();

      run.drain(LONG);
      assertThat(a.isAlive()).as("subscriber a kept running").isTrue();
      assertThat(b.isAlive()).as("subscriber b kept running").isTrue();
      run.stopSubscribers();

      Verdict verdict = run.verdict();
      assertThat(attemptedDuringOutage).as("publishes attempted while the broker was down").isPositive();
      assertThat(verdict.acked.size() + run.publisher.failed().size()).as("every publish acknowledged or failed")
          .isEqualTo(run.publisher.attempted());
      assertThat(verdict.missing()).isEmpty();
      assertThat(verdict.handledButNotAcked()).as("handled events the publisher saw fail").isEmpty();
      assertThat(verdict.okById.keySet()).as("events published after the restart, handled by the same processes")
          .anyMatch(id -> id > firstIdAfterRestart);
      Report.line("broker restart scenario (%s): %d published, %d acknowledged, %d failed (%s), %d attempted"
          + " during the %d s outage, %d duplicates, longest publish() call %d ms", SCALE.name(), run.publisher.attempted(), verdict.acked.size(),
          run.publisher.failed().size(), run.publisher.failures().values().stream().map(Throwable::toString).distinct()
              .limit(3).toList(), attemptedDuringOutage, OUTAGE.toSeconds(), verdict.duplicates().size(),
          run.publisher.longestCall().toMillis());
    }
  }

  @Test
  void perKeyOrderHoldsUnderRandomTransientFailures() {
    int events = SCALE.fraction(4);
    Map<String, String> settings = Map.of("concurrency", "8", "failProbability", "0.2", "seed", "42",
        "maxAttempts", "12", "retryDelayMs", "5");
    try (Run run = new Run("key-order", 16)) {
      run.subscriber("a", settings);
      run.subscriber("b", settings);

      run.publisher.publish(events);
      run.drain(LONG);
      run.stopSubscribers();

      Verdict verdict = run.verdict();
      assertThat(run.publisher.failed()).isEmpty();
      assertThat(verdict.missing()).isEmpty();
      assertThat(verdict.deadLetters).isEmpty();
      assertThat(verdict.duplicates()).isEmpty();
      assertThat(verdict.calls.stream().filter(call -> !call.ok()).count()).as("injected failures")
          .isGreaterThan(events / 10);
      assertThat(verdict.handledOrderByKey()).hasSize(16).isEqualTo(verdict.publishedOrderByKey());
      Report.line("per-key order scenario (%s): %d events on 16 keys, %d injected failures, all in publish order",
          SCALE.name(), events, verdict.calls.stream().filter(call -> !call.ok()).count());
    }
  }

  /** A SIGKILL: which instance, and the group's committed offsets right after it. */
  record Kill(String instance, Map<Integer, Long> committed) {}

  /**
   * The group's committed offsets a second after a kill: long enough for a commit the killed
   * process had sent just before dying to be processed, and well inside the 6 s session timeout,
   * so nobody has taken over the killed process's partitions yet (their offsets are its last
   * commits; the survivors' partitions may have moved on, which only makes the check stricter).
   */
  private static Map<Integer, Long> committedAfterKill(Run run) {
    java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
    return run.offsets.committed(Run.GROUP);
  }

}

package dev.chorus.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.reliability.Ledger.Call;
import dev.chorus.reliability.Publisher.Acked;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
      run.publisher.awaitCompleted(LONG);
      run.awaitAccounted(LONG);
      run.awaitCommittedToEnd(LONG);
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
    }
  }

  @Test
  void killMinusNineOfOneOfThreeSubscribersLosesNothingAndDuplicatesOnlyWhatItHadNotCommitted() {
    int events = SCALE.events();
    Map<String, String> settings = Map.of("concurrency", "4", "workMicros", "200");
    try (Run run = new Run("kill", 64)) {
      List<SubscriberProcess> live = new ArrayList<>(List.of(
          run.subscriber("a", settings), run.subscriber("b", settings), run.subscriber("c", settings)));
      run.publisher.startBackground(events, 4_000);

      List<Kill> kills = new ArrayList<>();
      for (int round = 1; round <= SCALE.killRounds(); round++) {
        int due = events * round / (SCALE.killRounds() + 2);
        Waits.until("handler calls to reach " + due, LONG, () -> run.calls() >= due);
        SubscriberProcess victim = live.remove(round % live.size());
        victim.kill();
        Map<Integer, Long> committed = stableCommitted(run);
        kills.add(new Kill(victim.instance, committed));
        live.add(run.subscriber(victim.instance + "-restarted-" + round, settings));
      }

      run.publisher.awaitBackground(LONG);
      run.publisher.awaitCompleted(LONG);
      run.awaitAccounted(LONG);
      run.awaitCommittedToEnd(LONG);
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
      System.out.printf("kill scenario (%s): %d events, %d kills, %d duplicates, committed at kills %s%n",
          SCALE.name(), events, kills.size(), verdict.duplicates().size(), kills);
    }
  }

  /** A SIGKILL: which instance, and the group's committed offsets right after it. */
  record Kill(String instance, Map<Integer, Long> committed) {}

  /**
   * The group's committed offsets once they stop changing: a commit the killed process had sent
   * may still be processed by the broker just after the process is gone.
   */
  private static Map<Integer, Long> stableCommitted(Run run) {
    java.util.concurrent.atomic.AtomicReference<Map<Integer, Long>> last =
        new java.util.concurrent.atomic.AtomicReference<>(run.offsets.committed(Run.GROUP));
    Waits.until("committed offsets to settle", Duration.ofSeconds(30), () -> {
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
      Map<Integer, Long> now = run.offsets.committed(Run.GROUP);
      return now.equals(last.getAndSet(new HashMap<>(now)));
    });
    return last.get();
  }
}

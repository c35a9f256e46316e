package dev.chorus.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.reliability.Publisher.Acked;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Brokers in child JVMs killed with SIGKILL while subscribers in child JVMs consume and the test
 * publishes through Chorus: the leader of a busy partition of a three-broker cluster (replication
 * factor 3, {@code min.insync.replicas=2}), and a single broker that is then restarted.
 */
class ClusterFailoverTest {

  private static final Scale SCALE = Scale.current();
  private static final Duration LONG = Duration.ofMinutes(SCALE.name().equals("long") ? 30 : 3);

  @Test
  void killingTheLeaderOfABusyPartitionLosesNoAcknowledgedEventAndPublishingAndConsumingResume() {
    int step = SCALE.fraction(10);
    BrokerCluster cluster = BrokerCluster.start(3);
    cluster.createTopic(Tick.TOPIC, Run.PARTITIONS);
    Map<String, String> settings = Map.of("concurrency", "4");
    try (Run run = new Run(cluster, cluster.bootstrapServers(), "cluster-failover", 64)) {
      SubscriberProcess a = run.subscriber("a", settings);
      SubscriberProcess b = run.subscriber("b", settings);
      SubscriberProcess c = run.subscriber("c", settings);
      run.publisher.startBackground(Long.MAX_VALUE, 2_000);
      run.awaitMoreCalls(step, LONG);

      int leader = cluster.leaderOf(Tick.TOPIC, 0).orElseThrow();
      cluster.kill(leader);
      long firstIdAfterKill = run.publisher.attempted();
      Waits.until("partition 0 to get a new leader", LONG,
          () -> cluster.leaderOf(Tick.TOPIC, 0).stream().anyMatch(node -> node != leader));
      Waits.until("partition 0 to acknowledge publishes again", LONG, () -> run.publisher.acked().values().stream()
          .filter(event -> event.partition() == 0 && event.id() >= firstIdAfterKill).count() >= step / 6);
      run.awaitMoreCalls(step, LONG);
      run.publisher.stopBackground();

      run.drain(LONG);
      assertThat(a.isAlive() && b.isAlive() && c.isAlive()).as("every subscriber kept running").isTrue();
      run.stopSubscribers();

      Verdict verdict = run.verdict();
      assertThat(verdict.acked.size() + run.publisher.failed().size()).as("every publish acknowledged or failed")
          .isEqualTo(run.publisher.attempted());
      assertThat(verdict.missing()).isEmpty();
      assertThat(verdict.deadLetters).isEmpty();
      assertThat(verdict.handledButNotAcked()).as("handled events whose publish was reported failed").isEmpty();
      assertThat(verdict.acked.values()).as("partition 0 took publishes after its leader died, and they were handled")
          .filteredOn(event -> event.partition() == 0 && event.id() >= firstIdAfterKill)
          .isNotEmpty()
          .extracting(Acked::id).allMatch(verdict.okById::containsKey);
      Report.line("cluster failover scenario (%s): %d events, leader %d of partition 0 killed after %d, "
          + "%d acknowledged, %d failed (%s), %d duplicates", SCALE.name(), run.publisher.attempted(), leader, firstIdAfterKill,
          verdict.acked.size(), run.publisher.failed().size(), run.publisher.failures().values().stream()
              .map(Throwable::toString).distinct().limit(3).toList(), verdict.duplicates().size());
    }
  }

  @Test
  void aSingleBrokerKilledWithSigkillAndRestartedLosesNoAcknowledgedEventAndTheSubscriptionsRecoverOnTheirOwn() {
    int step = SCALE.fraction(20);
    BrokerCluster broker = BrokerCluster.start(1);
    broker.createTopic(Tick.TOPIC, Run.PARTITIONS);
    Map<String, String> settings = Map.of("concurrency", "4");
    try (Run run = new Run(broker, broker.bootstrapServers(), "broker-kill", 64)) {
      SubscriberProcess a = run.subscriber("a", settings);
      SubscriberProcess b = run.subscriber("b", settings);
      run.publisher.startBackground(Long.MAX_VALUE, 2_000);
      run.awaitMoreCalls(step, LONG);

      long attemptedAtKill = run.publisher.attempted();
      broker.kill(1);
      // The broker stays down longer than the subscribers' session timeout (6 s); publishing goes on meanwhile.
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(8).toNanos());
      broker.restart(1);
      long firstIdAfterRestart = run.publisher.attempted();
      Waits.until("publishing to go on after the restart", LONG,
          () -> run.publisher.acked().keySet().stream().anyMatch(id -> id >= firstIdAfterRestart + step));
      run.awaitMoreCalls(step, LONG);
      run.publisher.stopBackground();

      run.drain(LONG);
      assertThat(a.isAlive() && b.isAlive()).as("both subscribers kept running").isTrue();
      run.stopSubscribers();

      Verdict verdict = run.verdict();
      assertThat(verdict.acked.size() + run.publisher.failed().size()).as("every publish acknowledged or failed")
          .isEqualTo(run.publisher.attempted());
      assertThat(verdict.missing()).isEmpty();
      assertThat(verdict.handledButNotAcked()).as("handled events whose publish was reported failed").isEmpty();
      assertThat(verdict.okById.keySet()).as("events published after the restart, handled by the same processes")
          .anyMatch(id -> id > firstIdAfterRestart);
      Report.line("broker SIGKILL scenario (%s): %d published (%d before the kill), %d acknowledged, %d failed (%s),"
          + " %d duplicates, longest publish() call %d ms", SCALE.name(), run.publisher.attempted(), attemptedAtKill,
          verdict.acked.size(), run.publisher.failed().size(), run.publisher.failures().values().stream()
              .map(Throwable::toString).distinct().limit(3).toList(), verdict.duplicates().size(),
          run.publisher.longestCall().toMillis());
    }
  }
}

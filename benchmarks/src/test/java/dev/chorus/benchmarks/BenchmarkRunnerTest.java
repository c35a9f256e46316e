package dev.chorus.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkRunnerTest {

  @Test
  void smokeModeRunsEveryContenderOnExactlyTheEventsItWasGiven(@TempDir Path directory) throws Exception {
    Path report = directory.resolve("benchmarks.md");

    Results results = BenchmarkRunner.run(Settings.smoke(), report, "test");

    assertThat(results.series()).extracting(s -> s.scenario() + " / " + s.contender()).containsExactly(
        "In memory publish→handled (JMH) / Chorus",
        "In memory publish→handled (JMH) / single-thread codec encode+decode",
        "In memory publish→handled (JMH) / Guava AsyncEventBus (no codec)",
        "In memory latency p50 (JMH, one event at a time) / Chorus",
        "In memory latency p99 (JMH, one event at a time) / Chorus",
        "In memory latency p99.9 (JMH, one event at a time) / Chorus",
        "In memory latency p50 (JMH, one event at a time) / single-thread codec encode+decode",
        "In memory latency p99 (JMH, one event at a time) / single-thread codec encode+decode",
        "In memory latency p99.9 (JMH, one event at a time) / single-thread codec encode+decode",
        "In memory latency p50 (JMH, one event at a time) / Guava AsyncEventBus (no codec)",
        "In memory latency p99 (JMH, one event at a time) / Guava AsyncEventBus (no codec)",
        "In memory latency p99.9 (JMH, one event at a time) / Guava AsyncEventBus (no codec)",
        "Kafka publish / Chorus",
        "Kafka publish, CPU per event: publishing thread / Chorus",
        "Kafka publish, CPU per event: producer I/O thread / Chorus",
        "Kafka publish, CPU per event: other threads (broker, GC, JIT) / Chorus",
        "Kafka publish / KafkaProducer/Consumer + Jackson",
        "Kafka publish, CPU per event: publishing thread / KafkaProducer/Consumer + Jackson",
        "Kafka publish, CPU per event: producer I/O thread / KafkaProducer/Consumer + Jackson",
        "Kafka publish, CPU per event: other threads (broker, GC, JIT) / KafkaProducer/Consumer + Jackson",
        "Kafka publish / Spring Kafka 4.1",
        "Kafka publish, CPU per event: publishing thread / Spring Kafka 4.1",
        "Kafka publish, CPU per event: producer I/O thread / Spring Kafka 4.1",
        "Kafka publish, CPU per event: other threads (broker, GC, JIT) / Spring Kafka 4.1",
        "Kafka consume / Chorus",
        "Kafka consume / KafkaProducer/Consumer + Jackson",
        "Kafka consume / Spring Kafka 4.1",
        "Kafka latency p50 @5k/s / Chorus",
        "Kafka latency p99 @5k/s / Chorus",
        "Kafka latency p99.9 @5k/s / Chorus",
        "Kafka latency p50 @5k/s / KafkaProducer/Consumer + Jackson",
        "Kafka latency p99 @5k/s / KafkaProducer/Consumer + Jackson",
        "Kafka latency p99.9 @5k/s / KafkaProducer/Consumer + Jackson",
        "Kafka latency p50 @5k/s / Spring Kafka 4.1",
        "Kafka latency p99 @5k/s / Spring Kafka 4.1",
        "Kafka latency p99.9 @5k/s / Spring Kafka 4.1",
        "Kafka blocking handler, 1,000 keys / Chorus concurrency(1)",
        "Kafka blocking handler, 1,000 keys / Chorus concurrency(32)");
    Settings smoke = Settings.smoke();
    for (Results.Series series : results.series()) {
      assertThat(series.runs()).as(series.scenario() + " / " + series.contender()).hasSize(smoke.runs());
      for (Results.Run run : series.runs()) {
        assertThat(run.processed()).as(series.scenario() + " / " + series.contender() + ": events processed")
            .isEqualTo(run.expected());
        assertThat(run.value()).as(series.scenario() + " / " + series.contender() + ": value").isPositive();
      }
    }
    assertThat(expectedCounts(results, "Kafka publish")).containsOnly((long) smoke.publishEvents());
    assertThat(expectedCounts(results, "Kafka consume")).containsOnly((long) smoke.consumeEvents());
    assertThat(expectedCounts(results, "Kafka latency p99 @5k/s")).containsOnly(2_500L);
    assertThat(expectedCounts(results, "Kafka blocking handler, 1,000 keys")).containsOnly((long) smoke.keyedEvents());
    for (String contender : List.of("chorus", "guava", "codecRoundTrip", "chorusLatency", "guavaLatency",
        "codecLatency")) {
      long[] counts = InMemoryBenchmarks.COUNTS.get(contender);
      assertThat(counts[0]).as(contender + " published").isPositive().isEqualTo(counts[1]);
    }
    assertThat(Files.readString(report)).contains("# Chorus benchmarks", "| Chorus |", "## Targets");
  }

  private static List<Long> expectedCounts(Results results, String scenario) {
    return results.scenario(scenario).stream().flatMap(s -> s.runs().stream()).map(Results.Run::expected).toList();
  }

  @Test
  void eachRoundStartsWithTheNextContenderWarmUpRoundsIncluded() throws Exception {
    java.util.List<String> order = new java.util.ArrayList<>();
    for (int round = -2; round < 3; round++) {
      KafkaScenarios.inTurn(round, () -> order.add("a"), () -> order.add("b"), () -> order.add("c"));
      order.add("|");
    }

    assertThat(String.join("", order)).isEqualTo("bca|cab|abc|bca|cab|");
  }
}

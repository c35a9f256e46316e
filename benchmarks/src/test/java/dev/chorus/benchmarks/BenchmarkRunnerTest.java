package dev.chorus.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    assertThat(BenchmarkRunner.lastReadings).containsOnlyKeys(RunnerNames.CHORUS_IN_MEMORY, RunnerNames.CODEC,
        RunnerNames.GUAVA);
    BenchmarkRunner.lastReadings.forEach((contender, readings) -> {
      assertThat(readings).as(contender).hasSize(smoke.runs());
      assertThat(readings.get(0).before()).as(contender + " before").isPositive();
      assertThat(readings.get(0).after()).as(contender + " after").isPositive();
    });
    assertThat(Files.readString(report)).contains("# Chorus benchmarks", "| Chorus |", "## Targets",
        "## In memory, by the cross-core round trip around each iteration");
  }

  @Test
  void inMemoryIterationsAreGroupedByTheRoundTripsReadAroundThem() {
    Map<String, List<Double>> scores = new LinkedHashMap<>();
    scores.put(RunnerNames.CHORUS_IN_MEMORY, List.of(900_000.0, 600_000.0, 950_000.0, 700_000.0));
    scores.put(RunnerNames.CODEC, List.of(1_000_000.0, 1_000_000.0));
    scores.put(RunnerNames.GUAVA, List.of(2_000_000.0));
    Map<String, List<CoreProbe.Reading>> readings = Map.of(
        RunnerNames.CHORUS_IN_MEMORY, List.of(reading(130, 140), reading(380, 375), reading(135, 129),
            reading(130, 380)),
        RunnerNames.CODEC, List.of(reading(130, 130), reading(380, 380)));

    String section = Report.coreProbes(scores, readings);

    assertThat(section).contains(
        "Round trips read in this run: 12, min 129 ns, median 138 ns, max 380 ns.",
        "| Chorus | 129–380 ns | 2 | 925,000 | 1 | 600,000 | 1 | 700,000 |",
        "| single-thread codec encode+decode | 130–380 ns | 1 | 1,000,000 | 1 | 1,000,000 | 0 |  |",
        "| Guava AsyncEventBus (no codec) | 0 readings for 1 iterations: not grouped | | | | | | |",
        "Chorus / single-thread codec loop (all its iterations): 0.93 × over fast iterations, "
            + "0.60 × over slow ones, 0.80 × over all");
  }

  private static CoreProbe.Reading reading(double before, double after) {
    return new CoreProbe.Reading("m", before, after);
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

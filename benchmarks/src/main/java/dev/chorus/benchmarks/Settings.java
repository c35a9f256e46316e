package dev.chorus.benchmarks;

import java.time.Duration;

/**
 * How much each scenario does: the smoke mode checks in seconds that everything runs and counts
 * right, the full mode measures.
 */
record Settings(
    String mode,
    int runs,
    int warmups,
    int publishEvents,
    int consumeEvents,
    Duration latencyDuration,
    Duration latencyWarmup,
    int latencyRate,
    int keyedEvents,
    int jmhForks,
    int jmhWarmupIterations,
    int jmhIterations,
    Duration jmhIterationTime,
    long inMemoryMemoryEvents,
    int kafkaBacklogEvents) {

  static Settings smoke() {
    return new Settings("smoke", 1, 0, 2_000, 2_000, Duration.ofMillis(500), Duration.ZERO, 5_000, 200,
        0, 1, 1, Duration.ofMillis(300), 0, 0);
  }

  static Settings full() {
    // The latency warm-up is as long as a measured run: after 5 s the first measured round was
    // still the slowest for every contender in four runs of four (Chorus, first in it: 8.5-10.2 ms p99).
    return new Settings("full", 5, 2, 500_000, 1_000_000, Duration.ofSeconds(20), Duration.ofSeconds(20), 5_000,
        10_000, 3, 3, 5, Duration.ofSeconds(2), 10_000_000, 1_000_000);
  }

  boolean memory() {
    return inMemoryMemoryEvents > 0;
  }
}

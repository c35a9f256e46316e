package dev.chorus.benchmarks;

/** Names of the in-memory and memory scenarios and contenders, as they appear in the report. */
final class RunnerNames {
  static final String IN_MEMORY = "In memory publish→handled (JMH)";
  static final String CHORUS_IN_MEMORY = "Chorus";
  static final String GUAVA = "Guava AsyncEventBus (no codec)";
  static final String CODEC = "single-thread codec encode+decode";
  static final String MEMORY = "Memory (child JVM, -Xmx256m)";
  /** The percentiles of the in-memory latency samples that the report shows. */
  static final double[] IN_MEMORY_PERCENTILES = {50, 99, 99.9};

  /** The scenario of one in-memory latency percentile, e.g. "In memory latency p99 (JMH, one event at a time)". */
  static String inMemoryLatency(double percentile) {
    String p = percentile == Math.rint(percentile) ? Long.toString((long) percentile) : Double.toString(percentile);
    return "In memory latency p" + p + " (JMH, one event at a time)";
  }

  private RunnerNames() {}
}

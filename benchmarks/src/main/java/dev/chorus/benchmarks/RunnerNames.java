package dev.chorus.benchmarks;

/** Names of the in-memory and memory scenarios and contenders, as they appear in the report. */
final class RunnerNames {
  static final String IN_MEMORY = "In memory publish→handled (JMH)";
  static final String CHORUS_IN_MEMORY = "Chorus";
  static final String GUAVA = "Guava AsyncEventBus (no codec)";
  static final String CODEC = "single-thread codec encode+decode";
  static final String MEMORY = "Memory (child JVM, -Xmx256m)";

  private RunnerNames() {}
}

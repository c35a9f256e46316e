package dev.chorus.reliability;

/**
 * Event counts of the scenarios: the small profile runs in {@code mvn verify}; the long one
 * ({@code -Preliability-long}, system property {@code chorus.reliability.profile=long}) runs on
 * demand. {@code publishRate} is the events per second of the kill scenario.
 */
record Scale(String name, int events, int killRounds, int publishRate) {

  static Scale current() {
    return switch (System.getProperty("chorus.reliability.profile", "small")) {
      case "long" -> new Scale("long", 1_000_000, 5, 10_000);
      case "small" -> new Scale("small", 20_000, 1, 4_000);
      default -> throw new IllegalArgumentException("chorus.reliability.profile must be small or long");
    };
  }

  /** A count for scenarios that need fewer events than the headline number. */
  int fraction(int divisor) {
    return Math.max(1, events / divisor);
  }
}

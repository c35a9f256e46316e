package dev.chorus.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every measured value, per scenario and contender, with what each run was given and processed. */
final class Results {

  /** One run: its value, how many events it was given and how many it processed. */
  record Run(double value, long expected, long processed) {}

  /** All runs of one contender in one scenario. */
  record Series(String scenario, String contender, String unit, boolean higherIsBetter, List<Run> runs) {

    double median() {
      return Results.median(runs.stream().map(Run::value).toList());
    }

    double min() {
      return runs.stream().mapToDouble(Run::value).min().orElse(Double.NaN);
    }

    double max() {
      return runs.stream().mapToDouble(Run::value).max().orElse(Double.NaN);
    }
  }

  /** The median, or NaN for none. */
  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private final Map<String, Series> series = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();

  synchronized void add(String scenario, String contender, String unit, boolean higherIsBetter, Run run) {
    series.computeIfAbsent(scenario + "\u0000" + contender,
        k -> new Series(scenario, contender, unit, higherIsBetter, new ArrayList<>())).runs().add(run);
    System.out.printf("  %-34s %-28s %,14.2f %s  (%,d of %,d events)%n", scenario, contender, run.value(), unit,
        run.processed(), run.expected());
  }

  synchronized void note(String note) {
    notes.add(note);
    System.out.println("  note: " + note);
  }

  synchronized List<Series> series() {
    return List.copyOf(series.values());
  }

  synchronized List<Series> scenario(String scenario) {
    return series.values().stream().filter(s -> s.scenario().equals(scenario)).toList();
  }

  synchronized List<String> notes() {
    return List.copyOf(notes);
  }
}

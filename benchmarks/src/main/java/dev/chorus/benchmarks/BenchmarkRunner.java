package dev.chorus.benchmarks;

import dev.chorus.kafka.testkit.EmbeddedKafka;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The one entry point: {@code --smoke} (seconds, tiny counts, checks that every contender processed
 * exactly what it was given) or {@code --full} (the measurement, written to
 * {@code docs/benchmarks.md}).
 */
public final class BenchmarkRunner {

  /** The scenarios {@code --only} can pick from; all of them run by default. */
  static final Set<String> SCENARIOS = Set.of("publish", "consume", "latency", "keyed", "inmemory", "memory");
  /** The scenarios that need the embedded broker (the memory scenario's second half does). */
  static final Set<String> KAFKA_SCENARIOS = Set.of("publish", "consume", "latency", "keyed", "memory");
  /** The cross-core readings of the last in-memory run, by contender (for the tests). */
  static volatile Map<String, List<CoreProbe.Reading>> lastReadings = Map.of();
  static final String FULL_COMMAND = "mvn -B -q -pl benchmarks -am compile exec:java -Dexec.args=\"--full\"";

  private BenchmarkRunner() {}

  /**
   * Runs the benchmarks.
   *
   * @param args {@code --smoke} or {@code --full}, optionally {@code --out <file>},
   *     {@code --jfr <recording.jfr>} and {@code --only <scenarios>} (comma-separated, of
   *     {@code publish, consume, latency, keyed, inmemory, memory}; for profiling one scenario)
   * @throws Exception if a scenario fails
   */
  public static void main(String[] args) throws Exception {
    Settings settings = Settings.smoke();
    Path out = null;
    String jfr = null;
    boolean child = false;
    String command = null;
    Set<String> only = SCENARIOS;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--smoke" -> settings = Settings.smoke();
        case "--full" -> settings = Settings.full();
        case "--out" -> out = Path.of(args[++i]);
        case "--jfr" -> jfr = args[++i];
        case "--child" -> child = true;
        case "--command" -> command = args[++i];
        case "--only" -> only = only(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; use --smoke or --full, optionally --out <file>, --jfr <recording.jfr> and --only <scenarios>");
      }
    }
    if (settings.mode().equals("full") && !child) {
      System.exit(relaunch(args, jfr));
    }
    if (out == null) {
      out = settings.mode().equals("full") ? Path.of(projectRoot(), "docs", "benchmarks.md")
          : Path.of(projectRoot(), "benchmarks", "target", "benchmarks-smoke.md");
    }
    run(settings, out, command != null ? command : settings.mode().equals("full") ? FULL_COMMAND
        : "BenchmarkRunner --smoke", only);
    System.exit(0);
  }

  /**
   * Runs the full mode in a child JVM whose Chorus classes are a private copy: other builds on this
   * machine reinstall the SNAPSHOT jars and recompile target/classes while a long run is under way,
   * and a class loaded late from a replaced jar fails with NoClassDefFoundError. Its heap is fixed
   * and pre-touched, so that no contender runs while G1 is still growing it.
   */
  private static int relaunch(String[] args, String jfr) throws Exception {
    Path snapshot = Files.createTempDirectory("chorus-benchmarks-classpath");
    List<String> entries = new ArrayList<>();
    int n = 0;
    for (String entry : classpath().split(File.pathSeparator)) {
      Path path = Path.of(entry);
      if (entry.contains("dev" + File.separator + "chorus") || entry.contains("SNAPSHOT") || Files.isDirectory(path)) {
        Path copy = snapshot.resolve((n++) + "-" + path.getFileName());
        copyRecursively(path, copy);
        entries.add(copy.toString());
      } else {
        entries.add(entry);
      }
    }
    String classpath = String.join(File.pathSeparator, entries);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch", "-Dmaven.multiModuleProjectDirectory=" + projectRoot()));
    if (jfr != null) {
      command.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
    }
    command.addAll(List.of("-cp", classpath, BenchmarkRunner.class.getName()));
    command.addAll(List.of(args));
    command.addAll(List.of("--child", "--command", FULL_COMMAND + (List.of(args).contains("--only")
        ? " (--only " + args[List.of(args).indexOf("--only") + 1] + ")" : "")));
    System.out.println("Running the full mode in a child JVM on a private copy of the Chorus classes (" + snapshot + ")");
    Process process = new ProcessBuilder(command).inheritIO().start();
    return process.waitFor();
  }

  private static void copyRecursively(Path source, Path target) throws IOException {
    if (!Files.exists(source)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(source)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Path destination = target.resolve(source.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(destination);
        } else {
          Files.createDirectories(destination.getParent());
          Files.copy(path, destination, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static String projectRoot() {
    String root = System.getProperty("maven.multiModuleProjectDirectory");
    if (root != null) {
      return root;
    }
    Path here = Path.of("").toAbsolutePath();
    return here.getFileName().toString().equals("benchmarks") ? here.getParent().toString() : here.toString();
  }

  private static Set<String> only(String list) {
    Set<String> only = Set.of(list.split(","));
    if (!SCENARIOS.containsAll(only)) {
      throw new IllegalArgumentException("--only takes scenarios out of " + SCENARIOS + ": " + list);
    }
    return only;
  }

  static Results run(Settings settings, Path out, String command) throws Exception {
    return run(settings, out, command, SCENARIOS);
  }

  static Results run(Settings settings, Path out, String command, Set<String> only) throws Exception {
    long began = System.nanoTime();
    String code = Report.code();
    Results results = new Results();
    System.out.println("Chorus benchmarks, " + settings.mode() + " mode");
    StringBuilder appendix = new StringBuilder();
    if (only.contains("inmemory")) {
      // Before the broker starts, so that its threads (which wake up now and then even when
      // idle) do not share the cores that the in-memory contenders need.
      inMemory(settings, results, appendix);
    }
    if (only.stream().anyMatch(KAFKA_SCENARIOS::contains)) {
      try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
        KafkaScenarios scenarios = new KafkaScenarios(kafka, settings, results);
        if (only.contains("publish")) {
          scenarios.publish();
        }
        if (only.contains("consume")) {
          scenarios.consume();
        }
        if (only.contains("latency")) {
          scenarios.latency();
        }
        if (only.contains("keyed")) {
          scenarios.keyed();
        }
        if (settings.memory() && only.contains("memory")) {
          memory(settings, results, scenarios, kafka.bootstrapServers());
        }
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - began);
    Report.write(out, Report.markdown(settings, results, command, code, took, appendix.toString()));
    System.out.println("Report written to " + out.toAbsolutePath() + " after " + took.toSeconds() + " s");
    return results;
  }

  private static void inMemory(Settings settings, Results results, StringBuilder appendix) throws Exception {
    System.out.println("In memory (JMH): forks " + settings.jmhForks());
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(InMemoryBenchmarks.class.getName() + "\\.")
        .forks(settings.jmhForks())
        .warmupIterations(settings.jmhWarmupIterations())
        .warmupTime(TimeValue.milliseconds(settings.jmhIterationTime().toMillis()))
        .measurementIterations(settings.jmhIterations())
        .measurementTime(TimeValue.milliseconds(settings.jmhIterationTime().toMillis()))
        .shouldFailOnError(true);
    Path probes = Files.createTempFile("chorus-core-probes", ".txt");
    String previousProbes = System.getProperty(CoreProbe.FILE_PROPERTY);
    System.setProperty(CoreProbe.FILE_PROPERTY, probes.toString()); // in this JVM when JMH does not fork
    options.jvmArgsAppend("-D" + CoreProbe.FILE_PROPERTY + "=" + probes);
    String previous = System.getProperty("java.class.path");
    if (settings.jmhForks() > 0) {
      // Under exec:java the benchmark classes are on a class loader, not on java.class.path,
      // which is what JMH gives its forks.
      System.setProperty("java.class.path", classpath());
      // A fixed, pre-touched heap for every contender: with G1 growing the heap from its small
      // initial size, the first 10-20 s of a fork collect more often, and a contender that keeps
      // what it handled (Chorus's in-memory log retains 10,000 records a partition) ran at about
      // 0.6x its steady rate through JMH's warm-up and first iterations.
      options.jvmArgs("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch");
    }
    Collection<RunResult> runs;
    try {
      runs = new Runner(options.build()).run();
    } finally {
      System.setProperty("java.class.path", previous);
      if (previousProbes == null) {
        System.clearProperty(CoreProbe.FILE_PROPERTY);
      } else {
        System.setProperty(CoreProbe.FILE_PROPERTY, previousProbes);
      }
    }
    Map<String, String> names = Map.of("chorus", RunnerNames.CHORUS_IN_MEMORY, "guava", RunnerNames.GUAVA,
        "codecRoundTrip", RunnerNames.CODEC, "chorusLatency", RunnerNames.CHORUS_IN_MEMORY,
        "guavaLatency", RunnerNames.GUAVA, "codecLatency", RunnerNames.CODEC);
    // Measured iterations in the order they ran (JMH runs the methods and their forks one after
    // the other), to pair with the cross-core readings taken around each of them.
    Map<String, List<Double>> scores = new LinkedHashMap<>();
    Map<String, List<CoreProbe.Reading>> readings = new LinkedHashMap<>();
    for (RunResult run : runs) {
      String method = InMemoryBenchmarks.method(run.getParams());
      long[] counts = InMemoryBenchmarks.COUNTS.get(method);
      for (var benchmark : run.getBenchmarkResults()) {
        for (IterationResult iteration : benchmark.getIterationResults()) {
          long events = iteration.getMetadata() == null ? 0 : iteration.getMetadata().getMeasuredOps();
          // In a fork the counts stay in the fork; the benchmark itself fails if an event is not handled.
          Results.Run measured = new Results.Run(iteration.getPrimaryResult().getScore(),
              counts != null ? counts[0] : events, counts != null ? counts[1] : events);
          if (!method.endsWith("Latency")) {
            results.add(RunnerNames.IN_MEMORY, names.get(method), "events/s", true, measured);
            scores.computeIfAbsent(names.get(method), k -> new ArrayList<>()).add(measured.value());
            continue;
          }
          // Sample mode: each iteration's percentiles of the per-event times, in microseconds.
          var statistics = iteration.getPrimaryResult().getStatistics();
          for (double percentile : RunnerNames.IN_MEMORY_PERCENTILES) {
            results.add(RunnerNames.inMemoryLatency(percentile), names.get(method), "µs", false,
                new Results.Run(statistics.getPercentile(percentile), measured.expected(), measured.processed()));
          }
        }
      }
    }
    for (CoreProbe.Reading reading : CoreProbe.read(probes)) {
      readings.computeIfAbsent(names.get(reading.method()), k -> new ArrayList<>()).add(reading);
    }
    Files.deleteIfExists(probes);
    lastReadings = readings;
    appendix.append(Report.coreProbes(scores, readings));
  }

  private static void memory(Settings settings, Results results, KafkaScenarios scenarios, String bootstrap)
      throws Exception {
    System.out.println("Memory: in memory, " + settings.inMemoryMemoryEvents() + " events");
    probe(results, "in-memory transport, " + String.format("%,d", settings.inMemoryMemoryEvents()) + " events",
        settings.inMemoryMemoryEvents(), List.of("in-memory", Long.toString(settings.inMemoryMemoryEvents())));
    System.out.println("Memory: filling " + Events.BACKLOG_TOPIC + " with " + settings.kafkaBacklogEvents());
    scenarios.fill(Events.BACKLOG_TOPIC, settings.kafkaBacklogEvents(), KafkaScenarios.KEYS);
    probe(results, "Kafka subscription, " + String.format("%,d", settings.kafkaBacklogEvents()) + "-event backlog",
        settings.kafkaBacklogEvents(),
        List.of("kafka", Long.toString(settings.kafkaBacklogEvents()), bootstrap));
  }

  private static void probe(Results results, String name, long expected, List<String> args) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:+ExitOnOutOfMemoryError", "-cp", classpath(), MemoryProbe.class.getName()));
    command.addAll(args);
    long began = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String result = null;
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("RESULT ")) {
          result = line;
        } else {
          System.out.println("    [probe] " + line);
        }
      }
    }
    if (!process.waitFor(30, TimeUnit.MINUTES)) {
      process.destroyForcibly();
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    if (process.exitValue() != 0 || result == null) {
      results.note(name + ": child JVM failed with exit code " + process.exitValue() + " (OutOfMemoryError?)");
      results.add(RunnerNames.MEMORY, name, "MiB peak heap", false, new Results.Run(Double.NaN, expected, 0));
      return;
    }
    long processed = field(result, "processed");
    double heapMib = field(result, "peakHeap") / 1024.0 / 1024.0;
    results.add(RunnerNames.MEMORY, name, "MiB peak heap", false, new Results.Run(heapMib, expected, processed));
    results.note(String.format("%s: peak used heap %.1f MiB, peak RSS (VmHWM) %.1f MiB, %d events in %.1f s",
        name, heapMib, field(result, "vmHwmKb") / 1024.0, processed, seconds));
  }

  private static long field(String line, String name) {
    for (String part : line.split(" ")) {
      if (part.startsWith(name + "=")) {
        return Long.parseLong(part.substring(name.length() + 1));
      }
    }
    throw new IllegalStateException("no " + name + " in " + line);
  }

  /** The class path of this code, from its class loader when it is not the JVM's own (exec:java). */
  static String classpath() throws URISyntaxException {
    List<String> entries = new ArrayList<>();
    for (ClassLoader loader = BenchmarkRunner.class.getClassLoader(); loader != null; loader = loader.getParent()) {
      if (loader instanceof URLClassLoader urls) {
        for (URL url : urls.getURLs()) {
          entries.add(new File(url.toURI()).getPath());
        }
      }
    }
    String own = System.getProperty("java.class.path");
    if (own != null && !own.isBlank()) {
      entries.add(own);
    }
    return String.join(File.pathSeparator, entries);
  }
}

package dev.chorus.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Measures how long a cache line takes to go from one core to the other and back, right before
 * and right after each in-memory iteration: two threads pass a counter to each other for
 * {@value #PROBE_MILLIS} ms.
 *
 * <p>On the 2-vCPU VM these benchmarks were written on, that round trip switches every few
 * seconds between about 130 ns and about 380 ns (the host seems to move the vCPUs between cores
 * that share a cache and cores that do not), and every contender that hands events between
 * threads runs about a third slower in the slow state; a single-thread loop does not notice.
 * The report groups each contender's iterations by the two readings around them, so that a
 * reader sees which state a run was in instead of one ratio that depends on it.
 */
@State(Scope.Benchmark)
public class CoreProbe {

  /** The system property naming the file that the readings are appended to (forks share it). */
  static final String FILE_PROPERTY = "chorus.benchmarks.coreProbes";
  /** How long one reading passes the counter. */
  static final long PROBE_MILLIS = 100;
  /** Round trips at or above this are the slow state (the two states measured: ~130 and ~380 ns). */
  static final double SLOW_NANOS = 250;

  /** The readings around one measured iteration of a benchmark method, in ns per round trip. */
  record Reading(String method, double before, double after) {

    /** Both readings fast. */
    boolean fast() {
      return before < SLOW_NANOS && after < SLOW_NANOS;
    }

    /** Both readings slow. */
    boolean slow() {
      return before >= SLOW_NANOS && after >= SLOW_NANOS;
    }
  }

  private double before;

  /** Creates the probe (JMH does). */
  public CoreProbe() {}

  /**
   * Takes the reading before a measured iteration (warm-ups are not probed).
   *
   * @param iteration the iteration about to run
   */
  @Setup(Level.Iteration)
  public void before(IterationParams iteration) {
    if (recording(iteration)) {
      before = roundTripNanos(PROBE_MILLIS);
    }
  }

  /**
   * Takes the reading after a measured iteration and appends both to the file that
   * {@value #FILE_PROPERTY} names.
   *
   * @param benchmark the benchmark that ran
   * @param iteration the iteration that ran
   */
  @TearDown(Level.Iteration)
  public void after(BenchmarkParams benchmark, IterationParams iteration) {
    if (!recording(iteration)) {
      return;
    }
    double after = roundTripNanos(PROBE_MILLIS);
    String line = InMemoryBenchmarks.method(benchmark) + " " + before + " " + after + "\n";
    try {
      Files.writeString(Path.of(System.getProperty(FILE_PROPERTY)), line, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Readings are taken only around measured iterations and only when there is a file for them. */
  private static boolean recording(IterationParams iteration) {
    return iteration.getType() == IterationType.MEASUREMENT && System.getProperty(FILE_PROPERTY) != null;
  }

  /** The readings in a file written by {@link #after}, in the order the iterations ran. */
  static List<Reading> read(Path file) throws IOException {
    List<Reading> readings = new ArrayList<>();
    if (!Files.exists(file)) {
      return readings;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] parts = line.split(" ");
      readings.add(new Reading(parts[0], Double.parseDouble(parts[1]), Double.parseDouble(parts[2])));
    }
    return readings;
  }

  /**
   * Passes a counter between this thread and another for about {@code millis} ms.
   *
   * @return the mean nanoseconds per round trip
   */
  static double roundTripNanos(long millis) {
    AtomicLong ball = new AtomicLong();
    Thread partner = new Thread(() -> {
      long expect = 1;
      while (true) {
        long seen;
        while ((seen = ball.get()) != expect) {
          if (seen < 0) {
            return;
          }
          Thread.onSpinWait();
        }
        ball.set(expect + 1);
        expect += 2;
      }
    }, "chorus-core-probe");
    partner.setDaemon(true);
    partner.start();
    long value = 0;
    long trips = 0;
    long start = System.nanoTime();
    long end = start + millis * 1_000_000L;
    long now;
    do {
      ball.set(value + 1);
      value += 2;
      while (ball.get() != value) {
        Thread.onSpinWait();
      }
      trips++;
    } while ((trips & 255) != 0 || (now = System.nanoTime()) < end);
    ball.set(-1);
    try {
      partner.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return (double) (now - start) / trips;
  }
}

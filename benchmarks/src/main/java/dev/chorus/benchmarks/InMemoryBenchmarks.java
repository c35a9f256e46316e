package dev.chorus.benchmarks;

import com.google.common.eventbus.AllowConcurrentEvents;
import com.google.common.eventbus.AsyncEventBus;
import com.google.common.eventbus.Subscribe;
import dev.chorus.EventBus;
import dev.chorus.Subscription;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.internal.JsonCodec;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;

/**
 * In-memory publish-to-handled throughput and latency with a no-op handler: Chorus, Guava's
 * {@code AsyncEventBus} on an executor of the same size, and the floor of a single thread that
 * only encodes and decodes the same events with the same codec.
 *
 * <p>Throughput ({@code chorus}, {@code guava}, {@code codecRoundTrip}): one operation is one
 * event; each invocation publishes {@value #BATCH} events and waits until all of them were
 * handled. Latency (the {@code *Latency} methods, JMH's sample mode): one invocation publishes
 * one event and spins (yielding the core) until it was handled, so each sample is one event's
 * publish-to-handled time on an otherwise idle bus.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class InMemoryBenchmarks {

  /** Events per invocation. */
  public static final int BATCH = 1_000;
  /** Handler threads of the Chorus subscription and of Guava's executor: one per core here. */
  public static final int THREADS = 2;
  /** Published and handled counts of the last trial of each benchmark method (in-process runs only). */
  static final ConcurrentHashMap<String, long[]> COUNTS = new ConcurrentHashMap<>();
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** Creates the benchmark (JMH does). */
  public InMemoryBenchmarks() {}

  static Events.Local[] events() {
    Events.Local[] events = new Events.Local[BATCH];
    for (int i = 0; i < BATCH; i++) {
      events[i] = new Events.Local(Events.key(i, KafkaScenarios.KEYS), Events.Order.number(i), i);
    }
    return events;
  }

  static void awaitCount(AtomicLong handled, long target) {
    long deadline = System.nanoTime() + WAIT_NANOS;
    while (handled.get() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + handled.get() + " of " + target + " events handled");
      }
      LockSupport.parkNanos(10_000);
    }
  }

  /**
   * Waits for one event without parking: a park costs tens of microseconds on Linux, more than
   * the latency measured. Yielding leaves the core to the bus's own threads on two cores.
   */
  static void awaitCountSpinning(AtomicLong handled, long target) {
    long deadline = System.nanoTime() + WAIT_NANOS;
    while (handled.get() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + handled.get() + " of " + target + " events handled");
      }
      Thread.yield();
    }
  }

  static String method(BenchmarkParams params) {
    return params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
  }

  /** A Chorus bus on the in-memory transport with one no-op subscription. */
  @State(Scope.Benchmark)
  public static class ChorusBus {
    final AtomicLong handled = new AtomicLong();
    final Events.Local[] events = events();
    long published;
    String method;
    EventBus bus;
    Subscription subscription;

    /** Creates the state (JMH does). */
    public ChorusBus() {}

    /**
     * Starts the bus and subscribes.
     *
     * @param params the benchmark this trial runs
     */
    @Setup(Level.Trial)
    public void start(BenchmarkParams params) {
      method = method(params);
      bus = EventBus.builder().transport(InMemoryTransport.create()).source(Wire.SOURCE).build();
      subscription = bus.subscribe(Events.Local.class).group("jmh").concurrency(THREADS)
          .handle((event, context) -> handled.incrementAndGet());
    }

    /** Closes the bus and records the counts. */
    @TearDown(Level.Trial)
    public void stop() {
      bus.close();
      COUNTS.put(method, new long[] {published, handled.get()});
    }
  }

  /** Guava's AsyncEventBus on a fixed pool of {@link #THREADS} threads with one no-op subscriber. */
  @State(Scope.Benchmark)
  public static class GuavaBus {
    final AtomicLong handled = new AtomicLong();
    final Events.Local[] events = events();
    long published;
    String method;
    ExecutorService executor;
    AsyncEventBus bus;

    /** Creates the state (JMH does). */
    public GuavaBus() {}

    /** The subscriber. */
    public final class Handler {
      Handler() {}

      /**
       * Counts the event.
       *
       * @param event the event
       */
      @Subscribe
      @AllowConcurrentEvents
      public void on(Events.Local event) {
        handled.incrementAndGet();
      }
    }

    /**
     * Starts the executor and registers the subscriber.
     *
     * @param params the benchmark this trial runs
     */
    @Setup(Level.Trial)
    public void start(BenchmarkParams params) {
      method = method(params);
      executor = Executors.newFixedThreadPool(THREADS);
      bus = new AsyncEventBus(executor);
      bus.register(new Handler());
    }

    /**
     * Stops the executor and records the counts.
     *
     * @throws InterruptedException if interrupted while waiting for the executor
     */
    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      executor.shutdown();
      executor.awaitTermination(10, TimeUnit.SECONDS);
      COUNTS.put(method, new long[] {published, handled.get()});
    }
  }

  /** The events of the codec floor and how many passed. */
  @State(Scope.Benchmark)
  public static class Codec {
    final Events.Local[] events = events();
    long published;
    long decoded;
    String method;

    /** Creates the state (JMH does). */
    public Codec() {}

    /**
     * Notes which benchmark this trial runs.
     *
     * @param params the benchmark
     */
    @Setup(Level.Trial)
    public void start(BenchmarkParams params) {
      method = method(params);
    }

    /** Records the counts. */
    @TearDown(Level.Trial)
    public void stop() {
      COUNTS.put(method, new long[] {published, decoded});
    }
  }

  /**
   * Chorus: publish a batch, wait until it was handled.
   *
   * @param state the bus
   * @param probe the cross-core round trip taken around each iteration
   * @return the handled count
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long chorus(ChorusBus state, CoreProbe probe) {
    for (Events.Local event : state.events) {
      state.bus.publish(event);
    }
    state.published += BATCH;
    awaitCount(state.handled, state.published);
    return state.handled.get();
  }

  /**
   * Guava AsyncEventBus: post a batch, wait until it was handled.
   *
   * @param state the bus
   * @param probe the cross-core round trip taken around each iteration
   * @return the handled count
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long guava(GuavaBus state, CoreProbe probe) {
    for (Events.Local event : state.events) {
      state.bus.post(event);
    }
    state.published += BATCH;
    awaitCount(state.handled, state.published);
    return state.handled.get();
  }

  /**
   * The floor: encode and decode each event of a batch on one thread with Chorus's codec.
   *
   * @param state the events
   * @param probe the cross-core round trip taken around each iteration
   * @param blackhole sink for the decoded events
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void codecRoundTrip(Codec state, CoreProbe probe, Blackhole blackhole) {
    JsonCodec codec = JsonCodec.shared();
    for (Events.Local event : state.events) {
      blackhole.consume(codec.decode(codec.encode(event), Events.Local.class));
    }
    state.published += BATCH;
    state.decoded += BATCH;
  }

  /**
   * Chorus latency: publish one event, wait until it was handled.
   *
   * @param state the bus
   * @return the handled count
   */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long chorusLatency(ChorusBus state) {
    state.bus.publish(state.events[(int) (state.published % BATCH)]);
    state.published++;
    awaitCountSpinning(state.handled, state.published);
    return state.handled.get();
  }

  /**
   * Guava AsyncEventBus latency: post one event, wait until it was handled.
   *
   * @param state the bus
   * @return the handled count
   */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long guavaLatency(GuavaBus state) {
    state.bus.post(state.events[(int) (state.published % BATCH)]);
    state.published++;
    awaitCountSpinning(state.handled, state.published);
    return state.handled.get();
  }

  /**
   * The floor's latency: encode and decode one event on this thread.
   *
   * @param state the events
   * @return the decoded event
   */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Events.Local codecLatency(Codec state) {
    JsonCodec codec = JsonCodec.shared();
    Events.Local decoded = codec.decode(codec.encode(state.events[(int) (state.published % BATCH)]), Events.Local.class);
    state.published++;
    state.decoded++;
    return decoded;
  }
}

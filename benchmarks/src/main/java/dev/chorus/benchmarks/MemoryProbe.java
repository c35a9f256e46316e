package dev.chorus.benchmarks;

import dev.chorus.EventBus;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.kafka.KafkaTransport;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs in a child JVM with {@code -Xmx256m}: passes events through Chorus while a sampler keeps
 * the peak used heap, then prints {@code RESULT processed=.. peakHeap=.. vmHwmKb=..}. An
 * OutOfMemoryError ends the JVM with a failure, which the runner reports.
 */
final class MemoryProbe {

  /** A run stops publishing after this long; the report then shows how many of the events passed. */
  private static final long CAP_NANOS = 240_000_000_000L;

  private MemoryProbe() {}

  public static void main(String[] args) throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    AtomicLong peak = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        LockSupport.parkNanos(5_000_000);
      }
    }, "heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
    long count = Long.parseLong(args[1]);
    long processed = switch (args[0]) {
      case "in-memory" -> inMemory(count);
      case "kafka" -> kafka(args[2], count);
      default -> throw new IllegalArgumentException(args[0]);
    };
    peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
    System.out.println("RESULT processed=" + processed + " peakHeap=" + peak.get() + " vmHwmKb="
        + status("VmHWM") + " vmRssKb=" + status("VmRSS"));
    System.exit(0);
  }

  /** Publishes with at most 5,000 events in flight, so default retention (10,000 per partition) never drops one. */
  private static long inMemory(long count) {
    AtomicLong handled = new AtomicLong();
    long deadline = System.nanoTime() + CAP_NANOS;
    try (EventBus bus = EventBus.builder().transport(InMemoryTransport.create()).source(Wire.SOURCE).build()) {
      bus.subscribe(Events.Local.class).group("memory").handle((event, context) -> handled.incrementAndGet());
      long published = 0;
      for (long i = 0; i < count && System.nanoTime() < deadline; i++, published++) {
        while (i - handled.get() >= 5_000) {
          LockSupport.parkNanos(20_000);
        }
        bus.publish(new Events.Local(Events.key(i, KafkaScenarios.KEYS), Events.Order.number(i), i));
      }
      await(handled, published);
    }
    return handled.get();
  }

  private static long kafka(String bootstrapServers, long count) {
    AtomicLong handled = new AtomicLong();
    try (EventBus bus = EventBus.builder()
        .transport(KafkaTransport.builder().bootstrapServers(bootstrapServers).createTopics(false).build())
        .source(Wire.SOURCE).build()) {
      Subscription subscription = bus.subscribe(Events.Backlog.class).group("memory")
          .startFrom(StartPosition.EARLIEST).handle((event, context) -> handled.incrementAndGet());
      await(handled, count);
      subscription.close();
    }
    return handled.get();
  }

  private static void await(AtomicLong handled, long count) {
    long deadline = System.nanoTime() + CAP_NANOS;
    while (handled.get() < count && System.nanoTime() < deadline) {
      LockSupport.parkNanos(1_000_000);
    }
  }

  static long status(String field) throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return -1;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
      }
    }
    return -1;
  }
}

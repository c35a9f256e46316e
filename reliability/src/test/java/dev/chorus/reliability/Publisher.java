package dev.chorus.reliability;

import dev.chorus.EventBus;
import dev.chorus.PublishReceipt;
import dev.chorus.kafka.KafkaTransport;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The publishing side of the ledger: publishes {@link Tick}s through a Chorus bus on Kafka from
 * one thread (so each key's publish order is its sequence order) and records every
 * acknowledgement with its partition and offset, and every failure reported to the caller.
 */
final class Publisher implements AutoCloseable {

  /** An acknowledged publish. */
  record Acked(long id, String key, long seq, int partition, long offset) {}

  private static final int MAX_IN_FLIGHT = 2_000;

  private final EventBus bus;
  private final int keys;
  private final long[] nextSeq;
  private final Map<Long, Acked> acked = new ConcurrentHashMap<>();
  private final Map<Long, Throwable> failed = new ConcurrentHashMap<>();
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final AtomicLong attempted = new AtomicLong();
  private long nextId;
  private volatile long longestCallNanos;
  private Thread background;
  private volatile boolean stopRequested;
  private volatile Throwable backgroundFailure;

  Publisher(String bootstrap, int keys, Map<String, Object> kafkaProperties) {
    this.keys = keys;
    this.nextSeq = new long[keys];
    KafkaTransport transport = KafkaTransport.builder().bootstrapServers(bootstrap).clientId("reliability-publisher")
        .createTopics(false).properties(kafkaProperties).build();
    this.bus = EventBus.builder().transport(transport).source("reliability/publisher").build();
  }

  /** Publishes {@code count} more ticks from the calling thread; returns once all are sent (not acknowledged). */
  synchronized void publish(long count) {
    for (long i = 0; i < count; i++) {
      publishOne();
    }
  }

  /**
   * Publishes {@code count} ticks on a background thread at about {@code perSecond} (0: as fast
   * as the in-flight limit allows), until done or {@link #stopBackground()}.
   */
  void startBackground(long count, long perSecond) {
    stopRequested = false;
    background = new Thread(() -> {
      long began = System.nanoTime();
      try {
        for (long i = 0; i < count && !stopRequested; i++) {
          synchronized (this) {
            publishOne();
          }
          if (perSecond > 0) {
            long due = began + (i + 1) * 1_000_000_000L / perSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
              LockSupport.parkNanos(wait);
            }
          }
        }
      } catch (Throwable t) {
        backgroundFailure = t;
      }
    }, "reliability-publisher");
    background.start();
  }

  /** Stops the background publisher and waits for its thread. */
  void stopBackground() {
    stopRequested = true;
    awaitBackground(Duration.ofMinutes(5));
  }

  /** Waits until the background publisher has published everything it was asked to. */
  void awaitBackground(Duration timeout) {
    if (background == null) {
      return;
    }
    try {
      background.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (background.isAlive()) {
      throw new AssertionError("background publisher still running after " + timeout);
    }
    if (backgroundFailure != null) {
      throw new AssertionError("background publisher failed", backgroundFailure);
    }
  }

  private void publishOne() {
    try {
      if (!inFlight.tryAcquire(5, TimeUnit.MINUTES)) {
        throw new AssertionError("no publish completed for 5 minutes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    long id = nextId++;
    int keyIndex = (int) (id % keys);
    long seq = nextSeq[keyIndex]++;
    String key = "k" + keyIndex;
    attempted.incrementAndGet();
    long began = System.nanoTime();
    CompletableFuture<PublishReceipt> future = bus.publish(new Tick(key, id, seq));
    longestCallNanos = Math.max(longestCallNanos, System.nanoTime() - began);
    future.whenComplete((PublishReceipt receipt, Throwable failure) -> {
      if (failure == null) {
        acked.put(id, new Acked(id, key, seq, receipt.partition(), receipt.offset()));
      } else {
        failed.put(id, failure);
      }
      inFlight.release();
    });
  }

  /**
   * The longest a {@code publish} call blocked its caller: Kafka's producer blocks in
   * {@code send} while it has no metadata for the topic (up to {@code max.block.ms}).
   */
  Duration longestCall() {
    return Duration.ofNanos(longestCallNanos);
  }

  /** Ticks handed to the bus so far. */
  long attempted() {
    return attempted.get();
  }

  /** Publishes that completed, acknowledged or failed. */
  long completed() {
    return acked.size() + failed.size();
  }

  /** Waits until every publish handed to the bus has completed one way or the other. */
  void awaitCompleted(Duration timeout) {
    Waits.until("every publish to complete", timeout, () -> completed() == attempted(),
        () -> "(" + completed() + " of " + attempted() + ")");
  }

  Map<Long, Acked> acked() {
    return Map.copyOf(acked);
  }

  Set<Long> failed() {
    return Set.copyOf(failed.keySet());
  }

  Map<Long, Throwable> failures() {
    return Map.copyOf(failed);
  }

  @Override
  public void close() {
    stopRequested = true;
    bus.close();
  }
}

package dev.chorus.reliability;

import dev.chorus.kafka.testkit.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One scenario's world: its own broker (so topics, groups and offsets start empty), the ticks
 * topic with {@link #PARTITIONS} partitions, a ledger directory, the publisher, and the
 * subscriber processes started so far. Closing it kills what still runs and deletes the broker.
 */
final class Run implements AutoCloseable {

  static final int PARTITIONS = 6;
  static final String GROUP = "reliability";

  /** The scenario's own broker; null when the run is on a {@link BrokerCluster}. */
  final EmbeddedKafka kafka;
  private final AutoCloseable brokers;
  final Path dir;
  final Publisher publisher;
  final Offsets offsets;
  final Ledger.Reader ledger;
  private final List<SubscriberProcess> subscribers = new ArrayList<>();
  private final String bootstrap;

  /** A run on a new single broker of its own. */
  Run(String name, int keys) {
    this(EmbeddedKafka.start(), name, keys);
  }

  private Run(EmbeddedKafka kafka, String name, int keys) {
    this(kafka, kafka, kafka.bootstrapServers(), name, keys);
    kafka.createTopic(Tick.TOPIC, PARTITIONS);
  }

  /** A run on brokers started by the caller, where the ticks topic already exists; closing the run closes them. */
  Run(AutoCloseable brokers, String bootstrap, String name, int keys) {
    this(null, brokers, bootstrap, name, keys);
  }

  private Run(EmbeddedKafka kafka, AutoCloseable brokers, String bootstrap, String name, int keys) {
    this.kafka = kafka;
    this.brokers = brokers;
    this.bootstrap = bootstrap;
    try {
      Path parent = Files.createDirectories(Path.of("target", "reliability"));
      this.dir = Files.createTempDirectory(parent, name + "-").toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.publisher = new Publisher(bootstrap, keys, Map.of("linger.ms", 5));
    this.offsets = new Offsets(bootstrap);
    this.ledger = new Ledger.Reader(dir);
  }

  /** Starts a subscriber process and waits until it has joined the group. */
  SubscriberProcess subscriber(String instance, Map<String, String> settings) {
    SubscriberProcess subscriber = SubscriberProcess.start(dir, instance, bootstrap, GROUP, settings);
    subscribers.add(subscriber);
    return subscriber;
  }

  /**
   * Waits until every publish completed, every acknowledged event is handled or dead-lettered,
   * and the group committed up to the end of every partition.
   */
  void drain(Duration timeout) {
    publisher.awaitCompleted(timeout);
    awaitAccounted(timeout);
    awaitCommittedToEnd(timeout);
  }

  /** Waits until every acknowledged event is handled or dead-lettered. */
  void awaitAccounted(Duration timeout) {
    Verdict.awaitAccounted(publisher.acked(), ledger, timeout);
  }

  /** Waits until the group's committed offset of every partition equals its end offset. */
  void awaitCommittedToEnd(Duration timeout) {
    Map<Integer, Long> end = offsets.end(PARTITIONS);
    Waits.until("committed offsets to reach the end offsets " + end, timeout,
        () -> offsets.committed(GROUP).equals(end), () -> "(committed " + offsets.committed(GROUP) + ")");
  }

  Verdict verdict() {
    return new Verdict(publisher.acked(), ledger);
  }

  /** Handler calls recorded so far. */
  int calls() {
    return ledger.poll().callCount();
  }

  /** Waits until the given instance has made at least {@code count} handler calls. */
  void awaitCallsBy(String instance, int count, Duration timeout) {
    Waits.until(instance + " to make " + count + " handler calls", timeout,
        () -> ledger.poll().callCount(instance) >= count, () -> "(" + ledger.callCount(instance) + ")");
  }

  /** Waits until {@code count} more handler calls than now have been made, by anyone. */
  void awaitMoreCalls(int count, Duration timeout) {
    int due = calls() + count;
    Waits.until("handler calls to reach " + due, timeout, () -> calls() >= due);
  }

  /** Stops every subscriber still running, cleanly. */
  void stopSubscribers() {
    for (SubscriberProcess subscriber : subscribers) {
      if (subscriber.isAlive()) {
        subscriber.stop();
      }
    }
  }

  @Override
  public void close() {
    RuntimeException failure = null;
    for (AutoCloseable closeable : closeables()) {
      try {
        closeable.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("closing the run failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private List<AutoCloseable> closeables() {
    List<AutoCloseable> all = new ArrayList<>(subscribers);
    all.add(publisher);
    all.add(offsets);
    all.add(brokers);
    return all;
  }
}

package dev.chorus.inmemory;

import dev.chorus.StartPosition;
import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a consumer group of an {@link InMemoryTransport}. Driven by one thread at a
 * time, like a Kafka consumer: {@link #poll}, {@link #pause}, {@link #resume} and
 * {@link #commit} throw {@link ConcurrentModificationException} if another thread is inside one
 * of them. {@link #wakeup()} and {@link #close()} are safe from any thread. Rebalance callbacks
 * run on the polling thread, inside {@link #poll}.
 */
final class InMemoryConsumer implements TransportConsumer {

  /** The most records one poll returns. */
  static final int MAX_POLL_RECORDS = 500;

  private static final Logger LOG = LoggerFactory.getLogger(InMemoryConsumer.class);
  private static final long MAX_WAIT_NANOS = Long.MAX_VALUE / 4;

  private final String memberId;
  private final GroupCoordinator coordinator;
  private final TopicRegistry topics;
  private final Set<String> subscription;
  private final StartPosition start;
  private final RebalanceListener listener;
  private final Consumer<InMemoryConsumer> onClose;

  private final Signal signal = new Signal();
  private final AtomicBoolean rebalanceRequested = new AtomicBoolean();
  private boolean joinReported;
  private final AtomicBoolean wakeupRequested = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicReference<Thread> driver = new AtomicReference<>();
  private int driverDepth;

  // Poll-thread state: next offset to read per owned partition, and which of them are paused.
  private final Map<TopicPartition, Long> positions = new TreeMap<>();
  private final Set<TopicPartition> paused = new HashSet<>();
  private int fetchRotation;

  InMemoryConsumer(GroupCoordinator coordinator, TopicRegistry topics, Set<String> subscription,
      StartPosition start, RebalanceListener listener, Consumer<InMemoryConsumer> onClose) {
    this.memberId = coordinator.nextMemberId();
    this.coordinator = coordinator;
    this.topics = topics;
    this.subscription = subscription;
    this.start = start;
    this.listener = listener;
    this.onClose = onClose;
  }

  /** Subscribes to data signals of its topics and joins the group. */
  void join() {
    for (String topic : subscription) {
      topics.find(topic).subscribe(signal);
    }
    coordinator.join(this);
  }

  Set<String> subscription() {
    return subscription;
  }

  /** Asks the poll thread to look at its assignment again; from any thread. */
  void requestRebalance() {
    rebalanceRequested.set(true);
    signal.raise();
  }

  @Override
  public List<TransportRecord> poll(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout cannot be negative: " + timeout);
    }
    enter();
    try {
      long deadline = System.nanoTime() + Math.min(saturatedNanos(timeout), MAX_WAIT_NANOS);
      while (true) {
        signal.clear();
        boolean rebalanced = rebalance();
        if (closed.get()) {
          return List.of();
        }
        List<TransportRecord> records = fetch();
        if (!records.isEmpty() || rebalanced) {
          return records;
        }
        if (wakeupRequested.getAndSet(false) || deadline - System.nanoTime() <= 0
            || Thread.currentThread().isInterrupted()) {
          return List.of();
        }
        signal.awaitUntil(deadline);
      }
    } finally {
      exit();
    }
  }

  @Override
  public int maxPollRecords() {
    return MAX_POLL_RECORDS;
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Revokes what this member must give up, then acquires what it may take.
   *
   * @return whether a listener was called
   */
  private boolean rebalance() {
    if (!rebalanceRequested.getAndSet(false)) {
      return false;
    }
    boolean called = false;
    try {
      List<TopicPartition> revoked = coordinator.revocations(this);
      if (!revoked.isEmpty()) {
        called = true;
        LOG.debug("Group member {} revoking {}", memberId, revoked);
        try {
          listener.onRevoked(revoked);
        } finally {
          coordinator.release(this, revoked);
          positions.keySet().removeAll(revoked);
          paused.removeAll(revoked);
        }
      }
      Map<TopicPartition, Long> assigned = coordinator.acquire(this, start);
      if (!assigned.isEmpty() || !joinReported) {
        // The first call tells the listener this member has joined, even with nothing (yet) to read.
        joinReported = true;
        called = true;
        LOG.debug("Group member {} assigned {}", memberId, assigned);
        positions.putAll(assigned);
        listener.onAssigned(assigned);
      }
      return called;
    } catch (RuntimeException | Error e) {
      // A failing listener must not make this member forget pending work.
      rebalanceRequested.set(true);
      throw e;
    }
  }

  /** Reads up to MAX_POLL_RECORDS, a fair share from each owned, unpaused partition. */
  private List<TransportRecord> fetch() {
    List<TopicPartition> fetchable = new ArrayList<>(positions.size());
    for (TopicPartition partition : positions.keySet()) {
      if (!paused.contains(partition)) {
        fetchable.add(partition);
      }
    }
    if (fetchable.isEmpty()) {
      return List.of();
    }
    int count = fetchable.size();
    int first = Math.floorMod(fetchRotation++, count);
    int share = Math.max(1, MAX_POLL_RECORDS / count);
    List<TransportRecord> records = new ArrayList<>();
    for (int i = 0; i < count && records.size() < MAX_POLL_RECORDS; i++) {
      readInto(fetchable.get((first + i) % count), share, records);
    }
    for (int i = 0; i < count && records.size() < MAX_POLL_RECORDS; i++) {
      readInto(fetchable.get((first + i) % count), MAX_POLL_RECORDS - records.size(), records);
    }
    return records;
  }

  private void readInto(TopicPartition partition, int max, List<TransportRecord> records) {
    int limit = Math.min(max, MAX_POLL_RECORDS - records.size());
    long position = positions.get(partition);
    int before = records.size();
    long first = topics.log(partition).read(position, limit, records);
    if (first > position) {
      LOG.warn("Consumer group '{}' fell behind retention on {}: {} records missed "
          + "(offsets {} to {}), resuming at log start {}", coordinator.group(), partition,
          first - position, position, first - 1, first);
    }
    positions.put(partition, first + (records.size() - before));
  }

  @Override
  public void pause(Collection<TopicPartition> partitions) {
    Objects.requireNonNull(partitions, "partitions");
    enter();
    try {
      for (TopicPartition partition : partitions) {
        if (positions.containsKey(Objects.requireNonNull(partition, "partition"))) {
          paused.add(partition);
        } else {
          LOG.debug("Group member {} ignores pause of {}: not assigned", memberId, partition);
        }
      }
    } finally {
      exit();
    }
  }

  @Override
  public void resume(Collection<TopicPartition> partitions) {
    Objects.requireNonNull(partitions, "partitions");
    enter();
    try {
      for (TopicPartition partition : partitions) {
        paused.remove(Objects.requireNonNull(partition, "partition"));
      }
    } finally {
      exit();
    }
  }

  @Override
  public void commit(Map<TopicPartition, Long> offsets) {
    Objects.requireNonNull(offsets, "offsets");
    offsets.forEach((partition, offset) -> {
      Objects.requireNonNull(partition, "partition");
      Objects.requireNonNull(offset, () -> "offset of " + partition);
      if (offset < 0) {
        throw new IllegalArgumentException("offset of " + partition + " cannot be negative: " + offset);
      }
    });
    enter();
    try {
      List<TopicPartition> ignored = coordinator.commit(this, offsets);
      if (!ignored.isEmpty()) {
        LOG.debug("Group member {} ignores commit of {}: not owned", memberId, ignored);
      }
    } finally {
      exit();
    }
  }

  @Override
  public void wakeup() {
    wakeupRequested.set(true);
    signal.raise();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (String topic : subscription) {
        topics.find(topic).unsubscribe(signal);
      }
      coordinator.leave(this);
      onClose.accept(this);
      signal.raise();
      LOG.debug("Group member {} left", memberId);
    }
  }

  /** Checks the consumer is open and claims it for the calling thread (re-entrantly). */
  private void enter() {
    Thread current = Thread.currentThread();
    Thread other = driver.get();
    if (other != current && !driver.compareAndSet(null, current)) {
      Thread user = driver.get();
      throw new ConcurrentModificationException("consumer " + memberId
          + " is driven by one thread at a time and is in use by "
          + (user == null ? "another thread" : "thread '" + user.getName() + "'"));
    }
    driverDepth++;
    if (closed.get()) {
      exit();
      throw new IllegalStateException("consumer " + memberId + " is closed");
    }
  }

  private void exit() {
    if (--driverDepth == 0) {
      driver.set(null);
    }
  }

  @Override
  public String toString() {
    return "InMemoryConsumer[" + memberId + " " + subscription + "]";
  }
}

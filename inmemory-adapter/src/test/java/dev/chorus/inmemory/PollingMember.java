package dev.chorus.inmemory;

import dev.chorus.StartPosition;
import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;

/**
 * A group member driven by its own thread, the way the engine drives a consumer: it polls,
 * handles records, commits after every poll and in {@code onRevoked}, and on stop commits and
 * closes from its poll thread. It records ownership in a shared map and reports any partition
 * owned twice, any callback off the poll thread and any record out of order.
 */
final class PollingMember implements RebalanceListener {

  private final String name;
  private final Map<TopicPartition, String> owners;
  private final Queue<String> violations;
  private final Set<String> consumed;
  private final StateChanges changes;
  private final Map<TopicPartition, Long> next = new HashMap<>();
  private final TransportConsumer consumer;
  private final Thread thread;
  private volatile boolean stopping;

  PollingMember(InMemoryTransport transport, String group, String topic, String name,
      Map<TopicPartition, String> owners, Queue<String> violations, Set<String> consumed, StateChanges changes) {
    this.name = name;
    this.owners = owners;
    this.violations = violations;
    this.consumed = consumed;
    this.changes = changes;
    this.consumer = transport.consumer(group, List.of(topic), StartPosition.EARLIEST, this);
    this.thread = new Thread(this::run, "poll-" + name);
    thread.start();
  }

  private void run() {
    try {
      while (!stopping) {
        List<TransportRecord> records = consumer.poll(Duration.ofSeconds(5));
        for (TransportRecord record : records) {
          TopicPartition partition = record.topicPartition();
          Long expected = next.get(partition);
          if (expected == null || record.offset() != expected) {
            violations.add(name + " got " + partition + "@" + record.offset() + ", expected " + expected);
          }
          consumed.add(partition + "@" + record.offset());
          next.put(partition, record.offset() + 1);
        }
        consumer.commit(Map.copyOf(next));
        changes.changed();
      }
      consumer.commit(Map.copyOf(next));
      owners.values().removeIf(name::equals);
      consumer.close();
    } catch (RuntimeException | Error e) {
      violations.add(name + " failed: " + e);
    } finally {
      changes.changed();
    }
  }

  @Override
  public void onRevoked(Collection<TopicPartition> partitions) {
    checkPollThread("onRevoked");
    Map<TopicPartition, Long> commit = new HashMap<>();
    for (TopicPartition partition : partitions) {
      Long offset = next.remove(partition);
      if (offset != null) {
        commit.put(partition, offset);
      }
    }
    consumer.commit(commit);
    for (TopicPartition partition : partitions) {
      if (!owners.remove(partition, name)) {
        violations.add(name + " revoked " + partition + " owned by " + owners.get(partition));
      }
    }
    changes.changed();
  }

  @Override
  public void onAssigned(Map<TopicPartition, Long> positions) {
    checkPollThread("onAssigned");
    positions.forEach((partition, position) -> {
      String previous = owners.putIfAbsent(partition, name);
      if (previous != null) {
        violations.add(name + " assigned " + partition + " still owned by " + previous);
      }
      next.put(partition, position);
    });
    changes.changed();
  }

  private void checkPollThread(String callback) {
    if (Thread.currentThread() != thread) {
      violations.add(name + " " + callback + " ran on " + Thread.currentThread().getName());
    }
  }

  /** Asks the member to commit and close, and waits until its thread has done so. */
  void stop() throws InterruptedException {
    stopping = true;
    consumer.wakeup();
    thread.join(Duration.ofSeconds(10).toMillis());
    if (thread.isAlive()) {
      throw new AssertionError(name + " did not stop");
    }
  }
}

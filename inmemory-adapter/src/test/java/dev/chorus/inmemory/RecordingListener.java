package dev.chorus.inmemory;

import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A rebalance listener for single-threaded tests. It logs every callback into a shared event
 * list, keeps a shared owner map (reporting a partition owned twice), remembers the next offset
 * of every partition it handled and, like the engine, commits them in {@code onRevoked}.
 */
final class RecordingListener implements RebalanceListener {

  private final String name;
  private final List<String> events;
  private final Map<TopicPartition, String> owners;
  private final List<String> violations;
  private final Map<TopicPartition, Long> next = new TreeMap<>();
  private TransportConsumer consumer;
  private Consumer<String> onCallback = thread -> { };
  final List<Map<TopicPartition, Long>> assignments = new ArrayList<>();

  RecordingListener(String name, List<String> events, Map<TopicPartition, String> owners, List<String> violations) {
    this.name = name;
    this.events = events;
    this.owners = owners;
    this.violations = violations;
  }

  static RecordingListener alone(String name) {
    return new RecordingListener(name, new ArrayList<>(), new HashMap<>(), new ArrayList<>());
  }

  RecordingListener attach(TransportConsumer consumer) {
    this.consumer = consumer;
    return this;
  }

  /** Runs {@code check} with the current thread's name in every callback. */
  void onCallback(Consumer<String> check) {
    this.onCallback = check;
  }

  List<String> events() {
    return events;
  }

  /** Marks records as handled: their next offsets are what {@code onRevoked} commits. */
  void handled(List<TransportRecord> records) {
    for (TransportRecord record : records) {
      next.put(record.topicPartition(), record.offset() + 1);
    }
  }

  @Override
  public void onRevoked(Collection<TopicPartition> partitions) {
    onCallback.accept(Thread.currentThread().getName());
    events.add(name + " revoked " + partitions);
    Map<TopicPartition, Long> commit = new HashMap<>();
    for (TopicPartition partition : partitions) {
      Long offset = next.remove(partition);
      if (offset != null) {
        commit.put(partition, offset);
      }
      if (!owners.remove(partition, name)) {
        violations.add(name + " revoked " + partition + " owned by " + owners.get(partition));
      }
    }
    if (!commit.isEmpty()) {
      consumer.commit(commit);
    }
  }

  @Override
  public void onAssigned(Map<TopicPartition, Long> positions) {
    onCallback.accept(Thread.currentThread().getName());
    events.add(name + " assigned " + positions.keySet());
    assignments.add(positions);
    for (TopicPartition partition : positions.keySet()) {
      String previous = owners.putIfAbsent(partition, name);
      if (previous != null) {
        violations.add(name + " assigned " + partition + " still owned by " + previous);
      }
    }
  }

  /** Like the engine before close: forget ownership (close does not call onRevoked). */
  void closing() {
    owners.values().removeIf(name::equals);
  }
}

package dev.chorus.inmemory;

import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RecordPosition;
import dev.chorus.spi.TransportRecord;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A topic: a fixed number of partition logs, the choice of partition for a record, and the
 * consumers to wake when a record arrives. Thread-safe.
 */
final class Topic {

  private final String name;
  private final PartitionLog[] partitions;
  private final AtomicInteger nextUnkeyed = new AtomicInteger();
  private final Set<Signal> subscribers = new CopyOnWriteArraySet<>();

  Topic(String name, int partitionCount, int retention, Clock clock) {
    this.name = name;
    this.partitions = new PartitionLog[partitionCount];
    for (int p = 0; p < partitionCount; p++) {
      partitions[p] = new PartitionLog(name, p, retention, clock);
    }
  }

  String name() {
    return name;
  }

  int partitionCount() {
    return partitions.length;
  }

  PartitionLog partition(int partition) {
    return partitions[partition];
  }

  /**
   * Appends a record to the partition of its key (round-robin without a key) and wakes the
   * consumers of this topic.
   *
   * @param record the record
   * @return where it was stored
   */
  RecordPosition append(OutgoingRecord record) {
    int partition = record.key() == null
        ? Math.floorMod(nextUnkeyed.getAndIncrement(), partitions.length)
        : KeyPartitioner.partition(record.key(), partitions.length);
    TransportRecord stored = partitions[partition].append(record);
    for (Signal subscriber : subscribers) {
      subscriber.raise();
    }
    return new RecordPosition(name, partition, stored.offset(), stored.timestamp());
  }

  /**
   * Wakes {@code signal} whenever a record is appended here.
   *
   * @param signal the consumer's signal
   */
  void subscribe(Signal signal) {
    subscribers.add(signal);
  }

  void unsubscribe(Signal signal) {
    subscribers.remove(signal);
  }
}

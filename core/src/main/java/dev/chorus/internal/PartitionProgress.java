package dev.chorus.internal;

import dev.chorus.spi.TopicPartition;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The records of one partition that were polled but not yet finished, in offset order. The
 * committable position is the offset of the oldest unfinished record, so a commit never runs
 * past work that is in flight, waiting for a retry, or waiting for its dead-letter write.
 * Used by the poll thread only.
 */
final class PartitionProgress {

  final TopicPartition partition;
  private final ArrayDeque<Delivery> pending = new ArrayDeque<>();
  private long nextOffset;
  long committed = -1;
  int inFlight;
  boolean paused;
  /** The {@link KeyedDispatcher}'s queues of this partition: by key, a delivery or an ArrayDeque of them. */
  final Map<String, Object> keys = new HashMap<>();
  /** The {@link KeyedDispatcher}'s unfinished deliveries of this partition without a key. */
  int unkeyed;
  private long touched = -1;

  PartitionProgress(TopicPartition partition, long position) {
    this.partition = partition;
    this.nextOffset = position;
  }

  void track(Delivery delivery) {
    pending.add(delivery);
    nextOffset = delivery.record.offset() + 1;
  }

  /**
   * Records that work on a record began (a handler attempt or a dead-letter write): it and
   * everything below it should finish before a final commit. Skipped records do not count.
   */
  void touch(Delivery delivery) {
    touched = Math.max(touched, delivery.record.offset());
  }

  /** The highest offset whose work began or ended, or -1. */
  long touched() {
    return touched;
  }

  /** Whether nothing at or below the highest touched offset is unfinished. */
  boolean drained() {
    return inFlight == 0 && committable() > touched;
  }

  /** Marks a record finished and drops the finished prefix. */
  void finish(Delivery delivery) {
    delivery.finished = true;
    while (!pending.isEmpty() && pending.peek().finished) {
      pending.poll();
    }
  }

  /** The offset of the next record to handle: where a commit may go. */
  long committable() {
    Delivery oldest = pending.peek();
    return oldest != null ? oldest.record.offset() : nextOffset;
  }

  int buffered() {
    return pending.size();
  }

  Iterable<Delivery> pending() {
    return pending;
  }
}

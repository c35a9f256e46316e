package dev.chorus.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One member of a consumer group, reading the partitions the group assigns it. Like a Kafka
 * consumer it is driven by one thread: every method except {@link #wakeup()} is called from
 * the engine's poll thread only.
 */
public interface TransportConsumer extends AutoCloseable {

  /**
   * Returns the next records of the assigned, unpaused partitions, in offset order per
   * partition, waiting up to {@code timeout} if there are none. Rebalance callbacks run inside
   * this call. Returns early, possibly with no records, after {@link #wakeup()}.
   *
   * @param timeout the longest wait
   * @return the records, possibly none
   */
  List<TransportRecord> poll(Duration timeout);

  /**
   * The most records one {@link #poll} returns, or 0 (the default) if the transport does not
   * say. A poll that returns records, but fewer than this, tells the engine that the member has
   * read what was there to read (empty polls say nothing: a {@link #wakeup()} cuts them short),
   * so that no next poll is waiting to overlap with the handling of this one: with
   * {@code concurrency(1)} the engine then runs batches of up to about 1 ms on its polling
   * thread rather than pay two thread wake-ups to hand them over. So it does after the first
   * full poll that follows a short one (a burst, such as the records of a GC pause). After two
   * polls in a row that returned records, both full (a backlog), or always when this is 0, it
   * does so only for batches of up to about 100 µs.
   *
   * @return the transport's limit on records per poll, or 0 if unknown
   */
  default int maxPollRecords() {
    return 0;
  }

  /**
   * Stops returning records of these partitions until {@link #resume}; assignment is kept.
   *
   * @param partitions partitions to pause
   */
  void pause(Collection<TopicPartition> partitions);

  /**
   * Returns records of these partitions again.
   *
   * @param partitions partitions to resume
   */
  void resume(Collection<TopicPartition> partitions);

  /**
   * Commits the group's position: for each partition, the offset of the next record to handle.
   * Synchronous: positions are durable when it returns. Partitions this consumer no longer
   * owns are ignored.
   *
   * @param offsets the next offset to read, per partition
   * @throws dev.chorus.ChorusException if the commit failed
   */
  void commit(Map<TopicPartition, Long> offsets);

  /** Makes a blocked or the next {@link #poll} return at once. Safe from any thread. */
  void wakeup();

  /** Leaves the group without committing; its partitions go to the other members. */
  @Override
  void close();
}

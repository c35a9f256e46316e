package dev.chorus.inmemory;

import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.TransportRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One partition's append-only log with bounded retention: a ring buffer of at most
 * {@code retention} records. When it is full, appending drops the oldest record and advances the
 * log start offset. Thread-safe; every partition has its own lock, so publishing to different
 * partitions never contends.
 */
final class PartitionLog {

  private static final int INITIAL_CAPACITY = 64;

  private final String topic;
  private final int partition;
  private final int retention;
  private final Clock clock;

  // All guarded by this. The record at offset o sits at ring[(head + (o - startOffset)) % length].
  private TransportRecord[] ring;
  private int head;
  private int size;
  private long startOffset;

  PartitionLog(String topic, int partition, int retention, Clock clock) {
    this.topic = topic;
    this.partition = partition;
    this.retention = retention;
    this.clock = clock;
    this.ring = new TransportRecord[Math.min(retention, INITIAL_CAPACITY)];
  }

  /**
   * Appends a record, stamping it with the next offset and the clock's time in milliseconds, as
   * Kafka stamps records ({@link Clock#millis()} is also much cheaper than
   * {@link Clock#instant()} on the system clock, which crosses into the VM). The value array and
   * the headers (which {@link OutgoingRecord} already holds as a read-only copy) are kept as
   * given and shared by every reader.
   *
   * @param record the record
   * @return the stored record
   */
  TransportRecord append(OutgoingRecord record) {
    Map<String, byte[]> headers = record.headers();
    Instant timestamp = Instant.ofEpochMilli(clock.millis());
    synchronized (this) {
      TransportRecord stored = new TransportRecord(topic, partition, startOffset + size, timestamp,
          record.key(), record.value(), headers);
      if (size == retention) {
        ring[head] = null;
        head = (head + 1) % ring.length;
        size--;
        startOffset++;
      } else if (size == ring.length) {
        grow();
      }
      ring[(head + size) % ring.length] = stored;
      size++;
      return stored;
    }
  }

  private void grow() {
    TransportRecord[] bigger = new TransportRecord[(int) Math.min(retention, 2L * ring.length)];
    for (int i = 0; i < size; i++) {
      bigger[i] = ring[(head + i) % ring.length];
    }
    ring = bigger;
    head = 0;
  }

  /**
   * Copies up to {@code max} records starting at offset {@code from} into {@code out}. If
   * {@code from} is below the log start (retention dropped those records), reading starts at the
   * log start instead.
   *
   * @param from the first offset wanted
   * @param max the most records to copy
   * @param out where to add them, in offset order
   * @return the offset reading actually started at: {@code from}, or the log start if that is
   *     higher
   */
  synchronized long read(long from, int max, List<TransportRecord> out) {
    long first = Math.max(from, startOffset);
    long end = startOffset + size;
    long last = Math.min(end, first + max);
    for (long offset = first; offset < last; offset++) {
      out.add(ring[(int) ((head + (offset - startOffset)) % ring.length)]);
    }
    return first;
  }

  /**
   * The offset of the oldest retained record (equal to the end offset when the log is empty).
   *
   * @return the log start offset
   */
  synchronized long startOffset() {
    return startOffset;
  }

  /**
   * The offset the next appended record gets.
   *
   * @return the log end offset
   */
  synchronized long endOffset() {
    return startOffset + size;
  }

  /**
   * All retained records in offset order.
   *
   * @return a new list
   */
  synchronized List<TransportRecord> snapshot() {
    List<TransportRecord> records = new ArrayList<>(size);
    read(startOffset, size, records);
    return records;
  }
}

package dev.chorus.engine;

import dev.chorus.StartPosition;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.RecordPosition;
import dev.chorus.spi.RecordTooLargeException;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.Transport;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real in-memory transport with injectable send failures, and a record of the pause calls the
 * engine makes: the faults a broker can produce, on top of the real thing (nothing is mocked).
 */
final class FaultyTransport implements Transport {

  final Transport delegate;
  volatile Predicate<OutgoingRecord> failSend = record -> false;
  /** Records refused at once: {@code send} throws instead of failing its future or callback. */
  volatile Predicate<OutgoingRecord> throwOnSend = record -> false;
  /** Records refused for their size, as a broker refuses one over its topic's limit. */
  volatile Predicate<OutgoingRecord> tooLarge = record -> false;
  final ConcurrentLinkedQueue<TopicPartition> paused = new ConcurrentLinkedQueue<>();
  final AtomicInteger failingPolls = new AtomicInteger();
  /**
   * When above 0: a poll returns records only once this many have come, and then exactly this
   * many (for a single member: what it holds back is not revoked). Read at every poll, so a test
   * may change it between rounds of exactly this many records.
   */
  volatile int pollsOf;
  /** When above 0, set before subscribing: the limit on records per poll that consumers report. */
  volatile int maxPollRecords;

  FaultyTransport(Transport delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableFuture<RecordPosition> send(OutgoingRecord record) {
    if (throwOnSend.test(record)) {
      throw new IllegalArgumentException("injected refusal of a record for " + record.topic());
    }
    if (failSend.test(record)) {
      return CompletableFuture.failedFuture(new IllegalStateException("injected send failure to " + record.topic()));
    }
    if (tooLarge.test(record)) {
      return CompletableFuture.failedFuture(new RecordTooLargeException("injected: record of " + size(record)
          + " bytes too large for " + record.topic(), record.topic(), null));
    }
    return delegate.send(record);
  }

  /** The bytes of a record's value, header names and header values. */
  static long size(OutgoingRecord record) {
    return record.value().length + record.headers().entrySet().stream()
        .mapToLong(header -> header.getKey().length() + header.getValue().length).sum();
  }

  @Override
  public TransportConsumer consumer(String group, Collection<String> topics, StartPosition start,
      RebalanceListener listener) {
    TransportConsumer consumer = delegate.consumer(group, topics, start, listener);
    int limit = maxPollRecords > 0 ? maxPollRecords : consumer.maxPollRecords();
    return new TransportConsumer() {
      private final List<TransportRecord> held = new ArrayList<>();

      @Override
      public List<TransportRecord> poll(Duration timeout) {
        if (failingPolls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          throw new IllegalStateException("injected poll failure");
        }
        if (pollsOf <= 0 && held.isEmpty()) {
          return consumer.poll(timeout);
        }
        held.addAll(consumer.poll(timeout));
        int size = pollsOf; // read after the poll: a round's records come after the size set for it
        int take = size <= 0 ? held.size() : size;
        if (held.size() < take) {
          return List.of();
        }
        List<TransportRecord> polled = new ArrayList<>(held.subList(0, take));
        held.subList(0, take).clear();
        return polled;
      }

      @Override
      public int maxPollRecords() {
        return limit;
      }

      @Override
      public void pause(Collection<TopicPartition> partitions) {
        paused.addAll(partitions);
        consumer.pause(partitions);
      }

      @Override
      public void resume(Collection<TopicPartition> partitions) {
        consumer.resume(partitions);
      }

      @Override
      public void commit(Map<TopicPartition, Long> offsets) {
        consumer.commit(offsets);
      }

      @Override
      public void wakeup() {
        consumer.wakeup();
      }

      @Override
      public void close() {
        consumer.close();
      }
    };
  }

  @Override
  public Map<TopicPartition, Long> endOffsets(Collection<String> topics) {
    return delegate.endOffsets(topics);
  }

  @Override
  public Map<TopicPartition, Long> committedOffsets(String group, Collection<String> topics) {
    return delegate.committedOffsets(group, topics);
  }

  @Override
  public void close() {
    delegate.close();
  }
}

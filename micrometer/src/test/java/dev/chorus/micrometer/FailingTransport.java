package dev.chorus.micrometer;

import dev.chorus.StartPosition;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RebalanceListener;
import dev.chorus.spi.RecordPosition;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.Transport;
import dev.chorus.spi.TransportConsumer;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A real in-memory transport whose sends and offset queries can be made to fail: the faults a
 * broker can produce, on top of the real thing (nothing is mocked).
 */
final class FailingTransport implements Transport {

  final Transport delegate;
  volatile boolean failSends;
  volatile boolean failQueries;

  FailingTransport(Transport delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableFuture<RecordPosition> send(OutgoingRecord record) {
    if (failSends) {
      return CompletableFuture.failedFuture(new IllegalStateException("injected send failure to " + record.topic()));
    }
    return delegate.send(record);
  }

  @Override
  public TransportConsumer consumer(String group, Collection<String> topics, StartPosition start,
      RebalanceListener listener) {
    return delegate.consumer(group, topics, start, listener);
  }

  @Override
  public Map<TopicPartition, Long> endOffsets(Collection<String> topics) {
    if (failQueries) {
      throw new IllegalStateException("injected endOffsets failure");
    }
    return delegate.endOffsets(topics);
  }

  @Override
  public Map<TopicPartition, Long> committedOffsets(String group, Collection<String> topics) {
    if (failQueries) {
      throw new IllegalStateException("injected committedOffsets failure");
    }
    return delegate.committedOffsets(group, topics);
  }

  @Override
  public void close() {
    delegate.close();
  }
}

package dev.chorus.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.StartPosition;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.TransportConsumer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OffsetsTest {

  private final InMemoryTransport transport = InMemoryTransport.create();

  @Test
  void endOffsetsAreTheNextOffsetOfEveryPartitionOfExistingTopicsOnly() {
    transport.createTopic("payments", 2);
    TestRecords.sendTo(transport, "payments", 1, 2, "p", 3);

    Map<TopicPartition, Long> ends = transport.endOffsets(List.of("payments", "unknown"));

    assertThat(ends).isEqualTo(Map.of(new TopicPartition("payments", 0), 0L, new TopicPartition("payments", 1), 3L));
    assertThat(transport.endOffsets(List.of("unknown"))).isEmpty();
    assertThat(transport.records("unknown")).isEmpty();
  }

  @Test
  void committedOffsetsListOnlyPartitionsOfTheGroupAndTopicsThatHaveOne() {
    transport.createTopic("orders", 2);
    transport.createTopic("payments", 2);
    TransportConsumer consumer = transport.consumer("billing", List.of("orders", "payments"), StartPosition.EARLIEST,
        RecordingListener.alone("a"));
    consumer.poll(Duration.ZERO);
    consumer.commit(Map.of(new TopicPartition("orders", 1), 4L, new TopicPartition("payments", 0), 2L));

    assertThat(transport.committedOffsets("billing", List.of("orders")))
        .isEqualTo(Map.of(new TopicPartition("orders", 1), 4L));
    assertThat(transport.committedOffsets("billing", List.of("orders", "payments")))
        .isEqualTo(Map.of(new TopicPartition("orders", 1), 4L, new TopicPartition("payments", 0), 2L));
    assertThat(transport.committedOffsets("other-group", List.of("orders"))).isEmpty();
    assertThat(transport.committedOffsets("billing", List.of("unknown"))).isEmpty();
    assertThat(transport.endOffsets(List.of("unknown"))).isEmpty();
  }

  @Test
  void aLaterCommitReplacesTheEarlierOne() {
    TransportConsumer consumer = transport.consumer("billing", List.of("orders"), StartPosition.EARLIEST,
        RecordingListener.alone("a"));
    consumer.poll(Duration.ZERO);

    consumer.commit(Map.of(new TopicPartition("orders", 0), 4L));
    consumer.commit(Map.of(new TopicPartition("orders", 0), 9L));

    assertThat(transport.committedOffsets("billing", List.of("orders")))
        .isEqualTo(Map.of(new TopicPartition("orders", 0), 9L));
  }
}

package dev.chorus.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.StartPosition;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RetentionTest {

  private final InMemoryTransport transport = InMemoryTransport.builder().partitions(1).retention(5).build();
  private final TopicPartition orders0 = new TopicPartition("orders", 0);

  @Test
  void aFullPartitionDropsItsOldestRecordsAndAdvancesTheLogStart() {
    for (int i = 0; i < 12; i++) {
      transport.send(TestRecords.record("orders", "k", "v" + i)).join();
    }

    assertThat(transport.records("orders")).extracting(TransportRecord::offset).containsExactly(7L, 8L, 9L, 10L, 11L);
    assertThat(transport.records("orders")).extracting(TestRecords::value)
        .containsExactly("v7", "v8", "v9", "v10", "v11");
    assertThat(transport.endOffsets(List.of("orders"))).isEqualTo(Map.of(orders0, 12L));
    TransportConsumer fresh = transport.consumer("new", List.of("orders"), StartPosition.EARLIEST,
        RecordingListener.alone("fresh"));
    assertThat(fresh.poll(Duration.ZERO)).extracting(TransportRecord::offset).containsExactly(7L, 8L, 9L, 10L, 11L);
  }

  @Test
  void aLaggingConsumerSkipsToTheLogStartAndAWarningNamesGroupPartitionAndMissedCount() {
    TransportConsumer consumer = transport.consumer("slow", List.of("orders"), StartPosition.EARLIEST,
        RecordingListener.alone("slow"));
    send(3);
    assertThat(consumer.poll(Duration.ZERO)).extracting(TransportRecord::offset).containsExactly(0L, 1L, 2L);
    send(10);

    String log = capturingStderr(() -> consumer.poll(Duration.ZERO), records ->
        assertThat(records).extracting(TransportRecord::offset).containsExactly(8L, 9L, 10L, 11L, 12L));

    assertThat(log).contains("WARN").contains("Consumer group 'slow' fell behind retention on orders-0: "
        + "5 records missed (offsets 3 to 7), resuming at log start 8");
  }

  @Test
  void aCommittedOffsetDroppedByRetentionResumesAtTheLogStart() {
    TransportConsumer first = transport.consumer("billing", List.of("orders"), StartPosition.EARLIEST,
        RecordingListener.alone("first"));
    send(2);
    assertThat(first.poll(Duration.ZERO)).hasSize(2);
    first.commit(Map.of(orders0, 2L));
    first.close();
    send(9);
    RecordingListener listener = RecordingListener.alone("second");
    TransportConsumer second = transport.consumer("billing", List.of("orders"), StartPosition.EARLIEST, listener);

    String log = capturingStderr(() -> second.poll(Duration.ZERO), records ->
        assertThat(records).extracting(TransportRecord::offset).containsExactly(6L, 7L, 8L, 9L, 10L));

    assertThat(listener.assignments).containsExactly(Map.of(orders0, 6L));
    assertThat(log).contains("Consumer group 'billing' committed offset 2 on orders-0 was dropped by retention: "
        + "4 records missed, resuming at log start 6");
  }

  private void send(int count) {
    for (int i = 0; i < count; i++) {
      transport.send(TestRecords.record("orders", "k", "v")).join();
    }
  }

  /** Runs {@code action} with System.err captured (slf4j-simple writes there) and returns what it logged. */
  private static String capturingStderr(Supplier<List<TransportRecord>> action,
      Consumer<List<TransportRecord>> check) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<TransportRecord> records;
    try (PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
      System.setErr(capture);
      records = action.get();
    } finally {
      System.setErr(original);
    }
    check.accept(records);
    return captured.toString(StandardCharsets.UTF_8);
  }
}

package dev.chorus.inmemory;

import static dev.chorus.inmemory.TestRecords.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.StartPosition;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsumerGroupTest {

  private static final Duration NOW = Duration.ZERO;

  private final InMemoryTransport transport = InMemoryTransport.create();
  private final List<String> events = new ArrayList<>();
  private final Map<TopicPartition, String> owners = new HashMap<>();
  private final List<String> violations = new ArrayList<>();

  private static TopicPartition tp(int partition) {
    return new TopicPartition("orders", partition);
  }

  private RecordingListener listener(String name) {
    return new RecordingListener(name, events, owners, violations);
  }

  private TransportConsumer join(RecordingListener listener, StartPosition start) {
    TransportConsumer consumer = transport.consumer("billing", List.of("orders"), start, listener);
    listener.attach(consumer);
    return consumer;
  }

  private List<TransportRecord> poll(TransportConsumer consumer, RecordingListener listener) {
    List<TransportRecord> records = consumer.poll(NOW);
    listener.handled(records);
    return records;
  }

  @Test
  void twoMembersSplitFourPartitionsAndAThirdIsHandedOnePartitionOnlyAfterItsOwnerRevokedIt() {
    for (int p = 0; p < 4; p++) {
      TestRecords.sendTo(transport, "orders", p, 4, "p" + p, 3);
    }
    RecordingListener a = listener("a");
    RecordingListener b = listener("b");
    TransportConsumer consumerA = join(a, StartPosition.EARLIEST);
    TransportConsumer consumerB = join(b, StartPosition.EARLIEST);

    assertThat(poll(consumerA, a)).hasSize(6);
    assertThat(poll(consumerB, b)).hasSize(6);
    assertThat(events).containsExactly("a assigned [orders-0, orders-2]", "b assigned [orders-1, orders-3]");

    RecordingListener c = listener("c");
    TransportConsumer consumerC = join(c, StartPosition.LATEST);
    assertThat(poll(consumerC, c)).as("orders-2 is still owned by a").isEmpty();
    assertThat(events).as("the first call says c has joined").hasSize(3).last().isEqualTo("c assigned []");

    poll(consumerA, a);
    assertThat(events).containsSubsequence("a revoked [orders-2]").hasSize(4);
    assertThat(transport.committedOffsets("billing", List.of("orders"))).isEqualTo(Map.of(tp(2), 3L));

    poll(consumerC, c);
    assertThat(c.assignments).containsExactly(Map.of(), Map.of(tp(2), 3L));
    poll(consumerB, b);
    poll(consumerA, a);
    poll(consumerC, c);

    assertThat(events).containsExactly(
        "a assigned [orders-0, orders-2]",
        "b assigned [orders-1, orders-3]",
        "c assigned []",
        "a revoked [orders-2]",
        "c assigned [orders-2]",
        "b revoked [orders-3]",
        "a assigned [orders-3]");
    assertThat(a.assignments.get(1)).isEqualTo(Map.of(tp(3), 3L));
    assertThat(owners).isEqualTo(Map.of(tp(0), "a", tp(1), "b", tp(2), "c", tp(3), "a"));
    assertThat(violations).isEmpty();

    TestRecords.sendTo(transport, "orders", 2, 4, "late", 1);
    assertThat(poll(consumerC, c)).extracting(r -> r.partition() + "@" + r.offset() + "=" + value(r))
        .containsExactly("2@3=late-0");
  }

  @Test
  void whenAMemberClosesItsPartitionsGoToTheOthersAndResumeAtTheCommittedOffsets() {
    for (int p = 0; p < 4; p++) {
      TestRecords.sendTo(transport, "orders", p, 4, "p" + p, 3);
    }
    RecordingListener a = listener("a");
    RecordingListener b = listener("b");
    TransportConsumer consumerA = join(a, StartPosition.EARLIEST);
    TransportConsumer consumerB = join(b, StartPosition.EARLIEST);
    assertThat(poll(consumerA, a)).hasSize(6);
    assertThat(poll(consumerB, b)).hasSize(6);

    // a handled only the first two records of each of its partitions before closing.
    consumerA.commit(Map.of(tp(0), 2L, tp(2), 1L));
    a.closing();
    consumerA.close();

    List<TransportRecord> redelivered = poll(consumerB, b);

    assertThat(events).containsExactly(
        "a assigned [orders-0, orders-2]",
        "b assigned [orders-1, orders-3]",
        "b assigned [orders-0, orders-2]");
    assertThat(b.assignments.get(1)).isEqualTo(Map.of(tp(0), 2L, tp(2), 1L));
    assertThat(redelivered).extracting(r -> r.partition() + "@" + r.offset())
        .containsExactlyInAnyOrder("0@2", "2@1", "2@2");
    assertThat(owners).isEqualTo(Map.of(tp(0), "b", tp(1), "b", tp(2), "b", tp(3), "b"));
    assertThat(violations).isEmpty();
  }

  @Test
  void aNewGroupStartsAtTheLogStartWithEarliestAndAtTheLogEndWithLatest() {
    TestRecords.sendTo(transport, "orders", 1, 4, "old", 3);
    RecordingListener early = RecordingListener.alone("early");
    RecordingListener late = RecordingListener.alone("late");
    TransportConsumer earliest = transport.consumer("history", List.of("orders"), StartPosition.EARLIEST, early);
    TransportConsumer latest = transport.consumer("live", List.of("orders"), StartPosition.LATEST, late);

    assertThat(earliest.poll(NOW)).extracting(TestRecords::value).containsExactly("old-0", "old-1", "old-2");
    assertThat(latest.poll(NOW)).isEmpty();
    assertThat(early.assignments).containsExactly(Map.of(tp(0), 0L, tp(1), 0L, tp(2), 0L, tp(3), 0L));
    assertThat(late.assignments).containsExactly(Map.of(tp(0), 0L, tp(1), 3L, tp(2), 0L, tp(3), 0L));

    TestRecords.sendTo(transport, "orders", 1, 4, "new", 1);

    assertThat(earliest.poll(NOW)).extracting(TestRecords::value).containsExactly("new-0");
    assertThat(latest.poll(NOW)).extracting(TestRecords::value).containsExactly("new-0");
  }

  @Test
  void aKnownGroupResumesAtItsCommittedOffsetWhateverItsStartPosition() {
    TestRecords.sendTo(transport, "orders", 3, 4, "r", 5);
    TransportConsumer first = transport.consumer("billing", List.of("orders"), StartPosition.EARLIEST,
        RecordingListener.alone("first"));
    assertThat(first.poll(NOW)).hasSize(5);
    first.commit(Map.of(tp(3), 2L));
    first.close();

    RecordingListener again = RecordingListener.alone("again");
    TransportConsumer second = transport.consumer("billing", List.of("orders"), StartPosition.LATEST, again);

    assertThat(second.poll(NOW)).extracting(TestRecords::value).containsExactly("r-2", "r-3", "r-4");
    assertThat(again.assignments).containsExactly(Map.of(tp(0), 0L, tp(1), 0L, tp(2), 0L, tp(3), 2L));
  }

  @Test
  void everyGroupReceivesEveryRecordAndMembersOfOneGroupShareThem() {
    TransportConsumer audit = transport.consumer("audit", List.of("orders"), StartPosition.EARLIEST,
        RecordingListener.alone("audit"));
    RecordingListener a = listener("a");
    RecordingListener b = listener("b");
    TransportConsumer consumerA = join(a, StartPosition.EARLIEST);
    TransportConsumer consumerB = join(b, StartPosition.EARLIEST);
    for (int p = 0; p < 4; p++) {
      TestRecords.sendTo(transport, "orders", p, 4, "p" + p, 2);
    }

    assertThat(audit.poll(NOW)).hasSize(8);
    assertThat(poll(consumerA, a)).extracting(TransportRecord::partition).containsOnly(0, 2).hasSize(4);
    assertThat(poll(consumerB, b)).extracting(TransportRecord::partition).containsOnly(1, 3).hasSize(4);
  }

  @Test
  void commitStoresOffsetsOfOwnedPartitionsOnlyAndIsAcceptedInsideOnRevoked() {
    RecordingListener a = listener("a");
    TransportConsumer consumerA = join(a, StartPosition.EARLIEST);
    consumerA.poll(NOW);

    consumerA.commit(Map.of(tp(1), 7L, new TopicPartition("payments", 0), 3L, new TopicPartition("orders", 9), 1L));

    assertThat(transport.committedOffsets("billing", List.of("orders", "payments"))).isEqualTo(Map.of(tp(1), 7L));
  }

  @Test
  void aMemberOfSeveralTopicsGetsPartitionsOfEachAndOnlyMembersOfATopicShareIt() {
    transport.createTopic("payments", 2);
    RecordingListener both = listener("both");
    RecordingListener ordersOnly = listener("ordersOnly");
    TransportConsumer consumerBoth = transport.consumer("billing", List.of("payments", "orders"),
        StartPosition.EARLIEST, both);
    TransportConsumer consumerOrders = join(ordersOnly, StartPosition.EARLIEST);

    consumerBoth.poll(NOW);
    consumerOrders.poll(NOW);

    assertThat(events).containsExactly(
        "both assigned [orders-0, orders-2, payments-0, payments-1]",
        "ordersOnly assigned [orders-1, orders-3]");
  }
}

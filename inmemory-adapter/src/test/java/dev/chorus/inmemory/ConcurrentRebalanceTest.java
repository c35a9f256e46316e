package dev.chorus.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.spi.TopicPartition;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class ConcurrentRebalanceTest {

  private static final Duration DEADLINE = Duration.ofSeconds(20);

  @Test
  void membersJoiningAndLeavingWhileRecordsFlowNeverOwnAPartitionTwiceAndLoseNoRecord() throws Exception {
    InMemoryTransport transport = InMemoryTransport.create();
    transport.createTopic("orders", 8);
    Map<TopicPartition, String> owners = new ConcurrentHashMap<>();
    Queue<String> violations = new ConcurrentLinkedQueue<>();
    Set<String> consumed = ConcurrentHashMap.newKeySet();
    StateChanges changes = new StateChanges();
    int sent = 0;

    PollingMember m1 = new PollingMember(transport, "billing", "orders", "m1", owners, violations, consumed, changes);
    PollingMember m2 = new PollingMember(transport, "billing", "orders", "m2", owners, violations, consumed, changes);
    sent += send(transport, sent, 1000);
    PollingMember m3 = new PollingMember(transport, "billing", "orders", "m3", owners, violations, consumed, changes);
    sent += send(transport, sent, 1000);
    PollingMember m4 = new PollingMember(transport, "billing", "orders", "m4", owners, violations, consumed, changes);
    sent += send(transport, sent, 1000);
    m1.stop();
    sent += send(transport, sent, 1000);
    m3.stop();
    sent += send(transport, sent, 1000);

    int total = sent;
    changes.await("every record was consumed", () -> consumed.size() == total, DEADLINE);
    Map<TopicPartition, String> expected = new HashMap<>();
    for (int p = 0; p < 8; p++) {
      expected.put(new TopicPartition("orders", p), p % 2 == 0 ? "m2" : "m4");
    }
    changes.await("m2 and m4 own the partitions round-robin", () -> owners.equals(expected), DEADLINE);
    m2.stop();
    m4.stop();

    assertThat(violations).isEmpty();
    assertThat(consumed).hasSize(5000);
    assertThat(transport.committedOffsets("billing", List.of("orders")))
        .isEqualTo(transport.endOffsets(List.of("orders")));
  }

  private static int send(InMemoryTransport transport, int from, int count) {
    for (int i = from; i < from + count; i++) {
      transport.send(TestRecords.record("orders", "key-" + i, "v" + i)).join();
    }
    return count;
  }
}

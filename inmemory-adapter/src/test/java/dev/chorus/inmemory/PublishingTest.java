package dev.chorus.inmemory;

import static dev.chorus.inmemory.TestRecords.record;
import static dev.chorus.inmemory.TestRecords.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.RecordPosition;
import dev.chorus.spi.TransportRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PublishingTest {

  @Test
  void sameKeyAlwaysGoesToTheSamePartitionWithIncreasingOffsets() {
    InMemoryTransport transport = InMemoryTransport.create();
    int expectedPartition = KeyPartitioner.partition("order-42", 4);

    List<RecordPosition> positions = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      positions.add(transport.send(record("orders", "order-42", "v" + i)).join());
    }

    assertThat(positions).extracting(RecordPosition::partition).containsOnly(expectedPartition);
    assertThat(positions).extracting(RecordPosition::offset)
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(positions).extracting(RecordPosition::topic).containsOnly("orders");
  }

  @Test
  void recordsWithoutKeyAreSpreadRoundRobin() {
    InMemoryTransport transport = InMemoryTransport.create();

    List<Integer> partitions = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      partitions.add(transport.send(record("clicks", null, "v" + i)).join().partition());
    }

    assertThat(partitions).containsExactly(0, 1, 2, 3, 0, 1, 2, 3);
  }

  @Test
  void sendCompletesAtOnceWithTheClocksTimestamp() {
    Instant now = Instant.parse("2030-01-02T03:04:05Z");
    InMemoryTransport transport = InMemoryTransport.builder().clock(Clock.fixed(now, ZoneOffset.UTC)).build();

    CompletableFuture<RecordPosition> sent = transport.send(record("orders", "k", "v"));

    assertThat(sent).isCompleted();
    assertThat(sent.join().timestamp()).isEqualTo(now);
    assertThat(transport.records("orders")).singleElement()
        .satisfies(stored -> assertThat(stored.timestamp()).isEqualTo(now));
  }

  @Test
  void recordsAreStampedInWholeMillisecondsAsKafkaStampsThem() {
    Clock clock = Clock.fixed(Instant.parse("2030-01-02T03:04:05.123456789Z"), ZoneOffset.UTC);
    InMemoryTransport transport = InMemoryTransport.builder().clock(clock).build();

    RecordPosition sent = transport.send(record("orders", "k", "v")).join();

    Instant millis = Instant.parse("2030-01-02T03:04:05.123Z");
    assertThat(sent.timestamp()).isEqualTo(millis);
    assertThat(transport.records("orders")).singleElement()
        .satisfies(stored -> assertThat(stored.timestamp()).isEqualTo(millis));
  }

  @Test
  void sendWithACallbackCallsItOnTheCallingThreadBeforeReturning() {
    Instant now = Instant.parse("2030-01-02T03:04:05Z");
    InMemoryTransport transport = InMemoryTransport.builder().clock(Clock.fixed(now, ZoneOffset.UTC)).build();
    List<String> calls = new ArrayList<>();
    Thread caller = Thread.currentThread();

    for (int i = 0; i < 2; i++) {
      transport.send(record("orders", "k", "v" + i), (position, error) -> calls.add(
          (Thread.currentThread() == caller ? "caller: " : "other: ") + position.topic() + "-" + position.partition()
              + "@" + position.offset() + " " + position.timestamp() + " " + error));
    }
    transport.close();
    transport.send(record("orders", "k", "late"), (position, error) -> calls.add(position + " " + error));

    int partition = KeyPartitioner.partition("k", 4);
    assertThat(calls).containsExactly("caller: orders-" + partition + "@0 " + now + " null",
        "caller: orders-" + partition + "@1 " + now + " null",
        "null java.lang.IllegalStateException: InMemoryTransport is closed: cannot send to 'orders'");
  }

  @Test
  void storedRecordsKeepTheValueArrayAndAReadOnlyCopyOfTheHeaders() {
    InMemoryTransport transport = InMemoryTransport.create();
    byte[] value = "payload".getBytes(StandardCharsets.UTF_8);
    Map<String, byte[]> headers = new LinkedHashMap<>();
    headers.put("z-first", new byte[] {1});
    headers.put("a-second", new byte[] {2});

    transport.send(new OutgoingRecord("orders", "k", value, headers)).join();

    TransportRecord stored = transport.records("orders").get(0);
    assertThat(stored.value()).isSameAs(value);
    assertThat(stored.key()).isEqualTo("k");
    assertThat(stored.headers().keySet()).containsExactly("z-first", "a-second");
    assertThat(stored.headers().get("a-second")).containsExactly(2);
    assertThatThrownBy(() -> stored.headers().put("x", new byte[0]))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(transport.records("orders").get(0)).isSameAs(stored);
  }

  @Test
  void concurrentPublishingFromEightThreadsLosesNothingAndKeepsEachThreadsOrderPerPartition() throws Exception {
    int threads = 8;
    int perThread = 10_000;
    InMemoryTransport transport = InMemoryTransport.builder().retention(threads * perThread).build();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<RecordPosition>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          start.await();
          List<RecordPosition> positions = new ArrayList<>();
          for (int seq = 0; seq < perThread; seq++) {
            positions.add(transport.send(record("load", "key-" + (seq % 37), thread + ":" + seq)).join());
          }
          return positions;
        }));
      }
      start.countDown();
      Set<String> acknowledged = new HashSet<>();
      for (Future<List<RecordPosition>> result : results) {
        for (RecordPosition position : result.get(60, TimeUnit.SECONDS)) {
          acknowledged.add(position.partition() + "@" + position.offset());
        }
      }
      assertThat(acknowledged).hasSize(threads * perThread);
    } finally {
      pool.shutdownNow();
    }

    List<TransportRecord> stored = transport.records("load");
    assertThat(stored).hasSize(threads * perThread);
    Map<Integer, Long> nextOffset = new HashMap<>();
    Map<String, Integer> lastSeqPerThreadAndPartition = new HashMap<>();
    Set<String> values = new HashSet<>();
    for (TransportRecord record : stored) {
      long expected = nextOffset.getOrDefault(record.partition(), 0L);
      assertThat(record.offset()).as("contiguous offsets on partition %s", record.partition()).isEqualTo(expected);
      nextOffset.put(record.partition(), expected + 1);
      assertThat(record.partition()).isEqualTo(KeyPartitioner.partition(record.key(), 4));
      String[] threadAndSeq = value(record).split(":");
      int seq = Integer.parseInt(threadAndSeq[1]);
      Integer previous = lastSeqPerThreadAndPartition.put(threadAndSeq[0] + "/" + record.partition(), seq);
      if (previous != null) {
        assertThat(seq).as("order of thread %s on partition %s", threadAndSeq[0], record.partition())
            .isGreaterThan(previous);
      }
      values.add(value(record));
    }
    assertThat(values).hasSize(threads * perThread);
    assertThat(transport.endOffsets(List.of("load")).values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(threads * perThread);
  }

  @Test
  void recordsListsRetainedRecordsByPartitionThenOffset() {
    InMemoryTransport transport = InMemoryTransport.create();
    transport.createTopic("orders", 3);
    TestRecords.sendTo(transport, "orders", 2, 3, "c", 2);
    TestRecords.sendTo(transport, "orders", 0, 3, "a", 2);
    TestRecords.sendTo(transport, "orders", 1, 3, "b", 1);

    List<TransportRecord> records = transport.records("orders");

    assertThat(records).extracting(r -> r.partition() + "@" + r.offset() + "=" + value(r))
        .containsExactly("0@0=a-0", "0@1=a-1", "1@0=b-0", "2@0=c-0", "2@1=c-1");
    assertThat(transport.records("unknown")).isEmpty();
    assertThat(transport.endOffsets(List.of("unknown"))).isEmpty();
  }

  @Test
  void createTopicSetsItsPartitionCountAndRefusesAnotherOneLater() {
    InMemoryTransport transport = InMemoryTransport.create();

    transport.createTopic("wide", 16);
    transport.createTopic("wide", 16);

    assertThat(transport.endOffsets(List.of("wide"))).hasSize(16);
    assertThatThrownBy(() -> transport.createTopic("wide", 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("topic 'wide' already exists with 16 partitions, not 2");
    assertThatThrownBy(() -> transport.createTopic("narrow", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("partitions must be at least 1: 0");
    assertThatThrownBy(() -> transport.createTopic(" ", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topic cannot be blank: ' '");
  }

  @Test
  void sendAfterCloseFailsTheFutureWithIllegalStateException() {
    InMemoryTransport transport = InMemoryTransport.create();
    transport.send(record("orders", "k", "before")).join();

    transport.close();
    transport.close();
    CompletableFuture<RecordPosition> sent = transport.send(record("orders", "k", "after"));

    assertThat(sent).isCompletedExceptionally();
    assertThatThrownBy(sent::join).isInstanceOf(CompletionException.class)
        .cause().isInstanceOf(IllegalStateException.class)
        .hasMessage("InMemoryTransport is closed: cannot send to 'orders'");
    assertThat(transport.records("orders")).extracting(TestRecords::value).containsExactly("before");
  }
}

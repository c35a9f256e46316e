package dev.chorus.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chorus.StartPosition;
import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.TransportConsumer;
import dev.chorus.spi.TransportRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConsumerPollTest {

  private static final Duration LONG = Duration.ofMinutes(1);

  private final InMemoryTransport transport = InMemoryTransport.create();

  private static TopicPartition tp(int partition) {
    return new TopicPartition("orders", partition);
  }

  private TransportConsumer consumer(RecordingListener listener) {
    TransportConsumer consumer = transport.consumer("billing", List.of("orders"), StartPosition.EARLIEST, listener);
    listener.attach(consumer);
    return consumer;
  }

  /** Runs one poll on a new thread and hands back the thread and the poll's outcome. */
  private static Thread pollOnThread(TransportConsumer consumer, Duration timeout,
      CompletableFuture<List<TransportRecord>> result) {
    Thread thread = new Thread(() -> {
      try {
        result.complete(consumer.poll(timeout));
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }, "poller");
    thread.start();
    return thread;
  }

  private static Map<Integer, Long> countPerPartition(List<TransportRecord> records) {
    return records.stream().collect(Collectors.groupingBy(TransportRecord::partition, TreeMap::new,
        Collectors.counting()));
  }

  @Test
  void pollReturnsAtMost500RecordsSharedFairlyAcrossPartitionsInOffsetOrder() {
    for (int p = 0; p < 4; p++) {
      TestRecords.sendTo(transport, "orders", p, 4, "p" + p, 300);
    }
    TransportConsumer consumer = consumer(RecordingListener.alone("a"));

    List<TransportRecord> first = consumer.poll(Duration.ZERO);
    List<TransportRecord> second = consumer.poll(Duration.ZERO);
    List<TransportRecord> third = consumer.poll(Duration.ZERO);

    assertThat(first).hasSize(500);
    assertThat(countPerPartition(first)).isEqualTo(Map.of(0, 125L, 1, 125L, 2, 125L, 3, 125L));
    assertThat(second).hasSize(500);
    assertThat(third).hasSize(200);
    assertThat(consumer.poll(Duration.ZERO)).isEmpty();
    List<TransportRecord> all = new ArrayList<>(first);
    all.addAll(second);
    all.addAll(third);
    for (int p = 0; p < 4; p++) {
      int partition = p;
      List<Long> offsets = all.stream().filter(r -> r.partition() == partition).map(TransportRecord::offset).toList();
      assertThat(offsets).hasSize(300).isSorted().doesNotHaveDuplicates();
    }
  }

  @Test
  void aBusyPartitionGetsWhatTheQuietOnesLeave() {
    TestRecords.sendTo(transport, "orders", 0, 4, "busy", 1000);
    TestRecords.sendTo(transport, "orders", 1, 4, "quiet", 10);
    TransportConsumer consumer = consumer(RecordingListener.alone("a"));

    List<TransportRecord> records = consumer.poll(Duration.ZERO);

    assertThat(countPerPartition(records)).isEqualTo(Map.of(0, 490L, 1, 10L));
  }

  @Test
  void pausedPartitionsReturnNothingButStayAssignedUntilResumed() {
    RecordingListener listener = RecordingListener.alone("a");
    TransportConsumer consumer = consumer(listener);
    consumer.poll(Duration.ZERO);
    TestRecords.sendTo(transport, "orders", 0, 4, "zero", 2);
    TestRecords.sendTo(transport, "orders", 1, 4, "one", 2);

    consumer.pause(List.of(tp(0)));

    assertThat(consumer.poll(Duration.ZERO)).extracting(TestRecords::value).containsExactly("one-0", "one-1");
    assertThat(consumer.poll(Duration.ZERO)).isEmpty();

    consumer.resume(List.of(tp(0)));

    assertThat(consumer.poll(Duration.ZERO)).extracting(TestRecords::value).containsExactly("zero-0", "zero-1");
    assertThat(listener.events()).containsExactly("a assigned [orders-0, orders-1, orders-2, orders-3]");
  }

  @Test
  void wakeupBeforePollMakesTheNextPollReturnAtOnce() {
    TransportConsumer consumer = consumer(RecordingListener.alone("a"));
    consumer.poll(Duration.ZERO);

    consumer.wakeup();
    long started = System.nanoTime();
    List<TransportRecord> records = consumer.poll(LONG);

    assertThat(records).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void wakeupFromAnotherThreadMakesABlockedPollReturnQuickly() throws Exception {
    TransportConsumer consumer = consumer(RecordingListener.alone("a"));
    consumer.poll(Duration.ZERO);
    CompletableFuture<List<TransportRecord>> result = new CompletableFuture<>();
    Thread poller = pollOnThread(consumer, LONG, result);
    StateChanges.awaitTimedWaiting(poller, Duration.ofSeconds(10));

    consumer.wakeup();

    assertThat(result.get(5, TimeUnit.SECONDS)).isEmpty();
    poller.join();
  }

  @Test
  void aBlockedPollReturnsAsSoonAsARecordArrives() throws Exception {
    TransportConsumer consumer = consumer(RecordingListener.alone("a"));
    consumer.poll(Duration.ZERO);
    CompletableFuture<List<TransportRecord>> result = new CompletableFuture<>();
    Thread poller = pollOnThread(consumer, LONG, result);
    StateChanges.awaitTimedWaiting(poller, Duration.ofSeconds(10));

    transport.send(TestRecords.record("orders", "k", "hello")).join();

    assertThat(result.get(5, TimeUnit.SECONDS)).extracting(TestRecords::value).containsExactly("hello");
    poller.join();
  }

  @Test
  void aBlockedOwnerRevokesOnItsOwnPollThreadWhenAMemberJoins() throws Exception {
    RecordingListener owner = RecordingListener.alone("owner");
    AtomicReference<String> revokingThread = new AtomicReference<>();
    owner.onCallback(revokingThread::set);
    TransportConsumer consumer = consumer(owner);
    consumer.poll(Duration.ZERO);
    CompletableFuture<List<TransportRecord>> result = new CompletableFuture<>();
    Thread poller = pollOnThread(consumer, LONG, result);
    StateChanges.awaitTimedWaiting(poller, Duration.ofSeconds(10));

    TransportConsumer newcomer = transport.consumer("billing", List.of("orders"), StartPosition.EARLIEST,
        RecordingListener.alone("newcomer"));

    assertThat(result.get(5, TimeUnit.SECONDS)).isEmpty();
    assertThat(owner.events()).containsExactly(
        "owner assigned [orders-0, orders-1, orders-2, orders-3]", "owner revoked [orders-1, orders-3]");
    assertThat(revokingThread.get()).isEqualTo("poller");
    newcomer.close();
  }

  @Test
  void aSecondThreadCannotDriveAConsumerThatIsPolling() throws Exception {
    TransportConsumer consumer = consumer(RecordingListener.alone("a"));
    consumer.poll(Duration.ZERO);
    CompletableFuture<List<TransportRecord>> result = new CompletableFuture<>();
    Thread poller = pollOnThread(consumer, LONG, result);
    StateChanges.awaitTimedWaiting(poller, Duration.ofSeconds(10));

    assertThatThrownBy(() -> consumer.poll(Duration.ZERO))
        .isInstanceOf(ConcurrentModificationException.class)
        .hasMessageStartingWith("consumer billing#1 is driven by one thread at a time");

    consumer.wakeup();
    assertThat(result.get(5, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void closingTheTransportMakesBlockedPollsReturnAndLaterCallsFail() throws Exception {
    TransportConsumer consumer = consumer(RecordingListener.alone("a"));
    consumer.poll(Duration.ZERO);
    CompletableFuture<List<TransportRecord>> result = new CompletableFuture<>();
    Thread poller = pollOnThread(consumer, LONG, result);
    StateChanges.awaitTimedWaiting(poller, Duration.ofSeconds(10));

    transport.close();

    assertThat(result.get(5, TimeUnit.SECONDS)).isEmpty();
    assertThatThrownBy(() -> consumer.poll(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
        .hasMessage("consumer billing#1 is closed");
    assertThatThrownBy(() -> transport.consumer("other", List.of("orders"), StartPosition.EARLIEST,
        RecordingListener.alone("b"))).isInstanceOf(IllegalStateException.class)
        .hasMessage("InMemoryTransport is closed");
  }

  @Test
  void callsAfterCloseThrowIllegalStateExceptionExceptWakeupAndClose() {
    TransportConsumer consumer = consumer(RecordingListener.alone("a"));
    consumer.poll(Duration.ZERO);

    consumer.close();
    consumer.close();
    consumer.wakeup();

    assertThatThrownBy(() -> consumer.poll(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
        .hasMessage("consumer billing#1 is closed");
    assertThatThrownBy(() -> consumer.pause(List.of(tp(0)))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> consumer.resume(List.of(tp(0)))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> consumer.commit(Map.of(tp(0), 1L))).isInstanceOf(IllegalStateException.class);
    assertThat(transport.committedOffsets("billing", List.of("orders"))).isEmpty();
  }

  @Test
  void consumerArgumentsAreCheckedAtOnce() {
    RecordingListener listener = RecordingListener.alone("a");
    assertThatThrownBy(() -> transport.consumer(" ", List.of("orders"), StartPosition.EARLIEST, listener))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("group cannot be blank: ' '");
    assertThatThrownBy(() -> transport.consumer("g", List.of(), StartPosition.EARLIEST, listener))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topics cannot be empty: a consumer reads at least one topic");
    assertThatThrownBy(() -> transport.consumer("g", List.of("orders"), null, listener))
        .isInstanceOf(NullPointerException.class).hasMessage("start");
    TransportConsumer consumer = consumer(listener);
    assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout cannot be negative: PT-1S");
    assertThatThrownBy(() -> consumer.commit(Map.of(tp(0), -1L)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("offset of orders-0 cannot be negative: -1");
  }
}

package dev.chorus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.spi.TopicPartition;
import dev.chorus.spi.TransportRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyedDispatcherTest {

  private final KeyedDispatcher dispatcher = new KeyedDispatcher();
  private final PartitionProgress p0 = new PartitionProgress(new TopicPartition("t", 0), 0);
  private final PartitionProgress p1 = new PartitionProgress(new TopicPartition("t", 1), 0);

  private static Delivery delivery(PartitionProgress progress, long offset, String key) {
    Delivery delivery = new Delivery(new TransportRecord(progress.partition.topic(), progress.partition.partition(),
        offset, Instant.EPOCH, key, new byte[0], Map.of()), progress);
    progress.track(delivery);
    return delivery;
  }

  private void finish(Delivery delivery) {
    dispatcher.complete(delivery);
    delivery.progress.finish(delivery);
  }

  private List<Long> drainReady() {
    List<Long> offsets = new ArrayList<>();
    Delivery next;
    while ((next = dispatcher.next()) != null) {
      offsets.add(next.record.offset());
    }
    return offsets;
  }

  @Test
  void onlyTheHeadOfAKeyIsReadyAndEachCompletionReleasesTheNextInOrder() {
    Delivery a0 = delivery(p0, 0, "a");
    Delivery a1 = delivery(p0, 1, "a");
    Delivery b2 = delivery(p0, 2, "b");
    Delivery a3 = delivery(p0, 3, "a");
    for (Delivery d : List.of(a0, a1, b2, a3)) {
      dispatcher.enqueue(d);
    }

    assertThat(drainReady()).containsExactly(0L, 2L);
    finish(a1); // not the head: changes nothing
    assertThat(dispatcher.readyCount()).isZero();
    finish(a0);
    assertThat(drainReady()).containsExactly(1L);
    finish(b2);
    assertThat(dispatcher.isEmpty()).isFalse();
    finish(a1);
    assertThat(drainReady()).containsExactly(3L);
    finish(a3);

    assertThat(dispatcher.isEmpty()).isTrue();
    assertThat(p0.keys).isEmpty();
  }

  @Test
  void theSameKeyOnTwoPartitionsAndRecordsWithoutKeyAreIndependent() {
    Delivery k0 = delivery(p0, 0, "k");
    Delivery k1 = delivery(p1, 0, "k");
    Delivery none0 = delivery(p0, 1, null);
    Delivery none1 = delivery(p0, 2, null);
    for (Delivery d : List.of(k0, k1, none0, none1)) {
      dispatcher.enqueue(d);
    }

    assertThat(dispatcher.readyCount()).isEqualTo(4);
    finish(none0);
    finish(none0); // twice: counted once
    finish(k0);
    finish(k1);
    assertThat(dispatcher.isEmpty()).isFalse();
    finish(none1);
    assertThat(dispatcher.isEmpty()).isTrue();
  }

  @Test
  void aRetriedHeadIsReadyAgainAndStillHoldsBackItsKey() {
    Delivery a0 = delivery(p0, 0, "a");
    Delivery a1 = delivery(p0, 1, "a");
    dispatcher.enqueue(a0);
    dispatcher.enqueue(a1);
    assertThat(drainReady()).containsExactly(0L);

    dispatcher.retry(a0);

    assertThat(drainReady()).containsExactly(0L);
    finish(a0);
    assertThat(drainReady()).containsExactly(1L);
  }

  @Test
  void dropForgetsOnePartitionsQueuesAndReadyEventsOnly() {
    Delivery a0 = delivery(p0, 0, "a");
    Delivery a1 = delivery(p0, 1, "a");
    Delivery none = delivery(p0, 2, null);
    Delivery b0 = delivery(p1, 0, "b");
    for (Delivery d : List.of(a0, a1, none, b0)) {
      dispatcher.enqueue(d);
    }

    dispatcher.drop(p0);

    assertThat(drainReady()).containsExactly(0L);
    assertThat(dispatcher.next()).isNull();
    assertThat(p0.keys).isEmpty();
    assertThat(dispatcher.isEmpty()).isFalse();
    finish(b0);
    assertThat(dispatcher.isEmpty()).isTrue();
  }
}

package dev.chorus.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HandoffQueueTest {

  @Test
  void takeReturnsWhatIsQueuedInOrder() throws InterruptedException {
    HandoffQueue queue = new HandoffQueue();
    Runnable first = () -> {};
    Runnable second = () -> {};
    queue.offer(first);
    queue.offer(second);

    assertThat(queue.take()).isSameAs(first);
    assertThat(queue.take()).isSameAs(second);
    assertThat(queue).isEmpty();
  }

  @Test
  void takeWaitsPastItsSpinForATaskOfferedLater() throws Exception {
    HandoffQueue queue = new HandoffQueue();
    AtomicReference<Thread> taker = new AtomicReference<>();
    CompletableFuture<Runnable> taken = CompletableFuture.supplyAsync(() -> {
      taker.set(Thread.currentThread());
      try {
        return queue.take();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, runnable -> new Thread(runnable, "taker").start());
    // Offer only once the taker blocks in the queue's lock condition, i.e. its spin is over.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (taker.get() == null || taker.get().getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).as("taker blocked within 10 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
    Runnable task = () -> {};
    queue.offer(task);

    assertThat(taken.get(10, TimeUnit.SECONDS)).isSameAs(task);
  }

  @Test
  void takeThrowsWhenTheThreadIsInterruptedWhileItSpins() {
    HandoffQueue queue = new HandoffQueue();
    Thread.currentThread().interrupt();

    assertThatThrownBy(queue::take).isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).as("interrupt status cleared, as by LinkedBlockingQueue").isFalse();
  }

  @Test
  void aBlockedTakeAsksItsWatchEachIntervalAndReturnsTheFirstTaskItGives() throws InterruptedException {
    Runnable instead = () -> {};
    AtomicInteger asked = new AtomicInteger();
    HandoffQueue queue = new HandoffQueue(() -> asked.incrementAndGet() == 3 ? instead : null,
        TimeUnit.MILLISECONDS.toNanos(5));

    assertThat(queue.take()).isSameAs(instead);
    assertThat(asked.get()).isEqualTo(3);
  }

  @Test
  void aQueuedTaskIsTakenWithoutAskingTheWatch() throws InterruptedException {
    AtomicInteger asked = new AtomicInteger();
    HandoffQueue queue = new HandoffQueue(() -> {
      asked.incrementAndGet();
      return null;
    }, TimeUnit.MILLISECONDS.toNanos(5));
    Runnable task = () -> {};
    queue.offer(task);

    assertThat(queue.take()).isSameAs(task);
    assertThat(asked.get()).isZero();
  }

  @Test
  void aPoolOnItStopsItsIdleThreadsOnShutdown() throws InterruptedException, ExecutionException {
    java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(2, 2, 0,
        TimeUnit.MILLISECONDS, new HandoffQueue());
    pool.prestartAllCoreThreads();
    CompletableFuture<String> ran = new CompletableFuture<>();
    pool.execute(() -> ran.complete(Thread.currentThread().getName()));
    assertThat(ran.get()).startsWith("pool-");

    pool.shutdown();

    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aPoolOnAWatchedQueueStopsItsIdleThreadsOnShutdown() throws InterruptedException {
    AtomicInteger asked = new AtomicInteger();
    java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0,
        TimeUnit.MILLISECONDS, new HandoffQueue(() -> {
          asked.incrementAndGet();
          return null;
        }, TimeUnit.MILLISECONDS.toNanos(5)));
    pool.prestartAllCoreThreads();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (asked.get() == 0) {
      assertThat(System.nanoTime()).as("the idle thread asked its watch within 10 s").isLessThan(deadline);
      Thread.onSpinWait();
    }

    pool.shutdown();

    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }
}

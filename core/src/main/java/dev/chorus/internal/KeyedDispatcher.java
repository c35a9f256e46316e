package dev.chorus.internal;

import dev.chorus.spi.TopicPartition;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Orders work per key: one queue per (partition, key); only the head of a queue may run, and
 * it stays the head while it is in flight or waits for a retry, so later events of its key
 * wait behind it while other keys go on. Records without a key get a queue of their own.
 * Used by the poll thread only.
 */
final class KeyedDispatcher {

  private record Slot(TopicPartition partition, String key) {}

  private final Map<Object, ArrayDeque<Delivery>> queues = new HashMap<>();
  private final ArrayDeque<Delivery> ready = new ArrayDeque<>();

  void enqueue(Delivery delivery) {
    String key = delivery.record.key();
    delivery.keySlot = key == null ? new Object() : new Slot(delivery.progress.partition, key);
    ArrayDeque<Delivery> queue = queues.computeIfAbsent(delivery.keySlot, slot -> new ArrayDeque<>(4));
    queue.add(delivery);
    if (queue.size() == 1) {
      ready.add(delivery);
    }
  }

  /** How many deliveries may run now. */
  int readyCount() {
    return ready.size();
  }

  /** The next delivery that may run, or null. */
  Delivery next() {
    return ready.poll();
  }

  /** The next ready delivery that matches, or null; others stay ready in their order. */
  Delivery next(java.util.function.Predicate<Delivery> filter) {
    for (Iterator<Delivery> it = ready.iterator(); it.hasNext(); ) {
      Delivery delivery = it.next();
      if (filter.test(delivery)) {
        it.remove();
        return delivery;
      }
    }
    return null;
  }

  /** Whether a ready delivery matches. */
  boolean has(java.util.function.Predicate<Delivery> filter) {
    for (Delivery delivery : ready) {
      if (filter.test(delivery)) {
        return true;
      }
    }
    return false;
  }

  /** The head of a key is done: the next event of that key becomes ready. */
  void complete(Delivery delivery) {
    ArrayDeque<Delivery> queue = queues.get(delivery.keySlot);
    if (queue == null || queue.peek() != delivery) {
      return;
    }
    queue.poll();
    if (queue.isEmpty()) {
      queues.remove(delivery.keySlot);
    } else {
      ready.add(queue.peek());
    }
  }

  /** The head of a key may run again (its retry delay passed). */
  void retry(Delivery delivery) {
    ready.add(delivery);
  }

  /** Forgets every queued event of a partition (revoked, or the subscription is stopping). */
  void drop(TopicPartition partition) {
    ready.removeIf(delivery -> delivery.progress.partition.equals(partition));
    for (Iterator<ArrayDeque<Delivery>> it = queues.values().iterator(); it.hasNext(); ) {
      ArrayDeque<Delivery> queue = it.next();
      Delivery head = queue.peek();
      if (head != null && head.progress.partition.equals(partition)) {
        it.remove();
      }
    }
  }

  boolean isEmpty() {
    return queues.isEmpty();
  }
}

package dev.chorus.internal;

import java.util.ArrayDeque;
import java.util.Map;

/**
 * Orders work per key: one queue per (partition, key); only the head of a queue may run, and
 * it stays the head while it is in flight or waits for a retry, so later events of its key
 * wait behind it while other keys go on. Records without a key get a queue of their own.
 *
 * <p>A partition's queues live in its {@link PartitionProgress}, by key, so nothing is made per
 * record to name its queue; a key with one event holds that delivery itself, and gets a real
 * queue only when a second event of it arrives while the first is unfinished. Used by the poll
 * thread only.
 */
final class KeyedDispatcher {

  private final ArrayDeque<Delivery> ready = new ArrayDeque<>();
  /** Queues (keys with unfinished events, and unfinished events without a key) over all partitions. */
  private int queues;

  void enqueue(Delivery delivery) {
    delivery.dispatched = true;
    PartitionProgress progress = delivery.progress;
    String key = delivery.record.key();
    if (key == null) {
      progress.unkeyed++;
      queues++;
      ready.add(delivery);
      return;
    }
    Map<String, Object> keys = progress.keys;
    Object head = keys.putIfAbsent(key, delivery);
    if (head == null) {
      queues++;
      ready.add(delivery);
    } else if (head instanceof Delivery single) {
      ArrayDeque<Delivery> queue = new ArrayDeque<>(4);
      queue.add(single);
      queue.add(delivery);
      keys.put(key, queue);
    } else {
      queueOf(head).add(delivery);
    }
  }

  @SuppressWarnings("unchecked")
  private static ArrayDeque<Delivery> queueOf(Object head) {
    return (ArrayDeque<Delivery>) head;
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
    for (java.util.Iterator<Delivery> it = ready.iterator(); it.hasNext(); ) {
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

  /**
   * The head of a key is done: the next event of that key becomes ready. Called before the
   * delivery is marked finished; a delivery that is not the head of its key changes nothing.
   */
  void complete(Delivery delivery) {
    PartitionProgress progress = delivery.progress;
    String key = delivery.record.key();
    if (key == null) {
      if (delivery.dispatched && !delivery.finished) {
        progress.unkeyed--;
        queues--;
      }
      return;
    }
    Object head = progress.keys.get(key);
    if (head == delivery) {
      progress.keys.remove(key);
      queues--;
    } else if (head instanceof ArrayDeque<?> && queueOf(head).peek() == delivery) {
      ArrayDeque<Delivery> queue = queueOf(head);
      queue.poll();
      Delivery next = queue.peek();
      if (queue.size() == 1) {
        progress.keys.put(key, next); // back to a key with one event
      }
      ready.add(next);
    }
  }

  /** The head of a key may run again (its retry delay passed). */
  void retry(Delivery delivery) {
    ready.add(delivery);
  }

  /** Forgets every queued event of a partition (revoked, or the subscription is stopping). */
  void drop(PartitionProgress progress) {
    ready.removeIf(delivery -> delivery.progress == progress);
    queues -= progress.keys.size() + progress.unkeyed;
    progress.keys.clear();
    progress.unkeyed = 0;
  }

  boolean isEmpty() {
    return queues == 0;
  }
}

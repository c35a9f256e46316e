package dev.chorus.internal;

import dev.chorus.EventMetadata;
import dev.chorus.spi.TransportRecord;
import java.time.Instant;

/**
 * One polled record on its way through a subscription: its decoded event (kept across
 * retries), attempt count and failure history. Mutated on the poll thread, and read by the
 * one handler thread that runs its current attempt.
 */
final class Delivery {

  final TransportRecord record;
  final PartitionProgress progress;
  volatile EventMetadata metadata;
  EventTypeInfo type;
  /** Whether it went through the {@link KeyedDispatcher} (a skipped record does not). */
  boolean dispatched;
  volatile Object event;
  int attempt = 1;
  int handlerCalls;
  Instant firstFailure;
  Instant lastFailure;
  Throwable lastError;
  Runnable cancelTimer;
  boolean finished;
  boolean cancelled;
  /** Set by the handler thread: the attempt it just ran failed synchronously. */
  volatile boolean failedNow;

  Delivery(TransportRecord record, PartitionProgress progress) {
    this.record = record;
    this.progress = progress;
  }

  void failed(Instant at, Throwable error) {
    if (firstFailure == null) {
      firstFailure = at;
    }
    lastFailure = at;
    lastError = error;
  }
}

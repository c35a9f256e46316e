package dev.chorus.internal;

import dev.chorus.EventContext;
import dev.chorus.EventMetadata;
import dev.chorus.PublishOptions;
import dev.chorus.PublishReceipt;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The context of one handler attempt. Its publishes are linked to the incoming event
 * (correlation and causation ids), counted in the flow map, and collected so that the event
 * counts as handled only once they are durably published.
 */
final class HandlerContext implements EventContext {

  private final RealEventBus bus;
  private final EventMetadata metadata;
  private final int attempt;
  private final String group;
  private final List<CompletableFuture<PublishReceipt>> publishes = new ArrayList<>();

  HandlerContext(RealEventBus bus, EventMetadata metadata, int attempt, String group) {
    this.bus = bus;
    this.metadata = metadata;
    this.attempt = attempt;
    this.group = group;
  }

  @Override
  public EventMetadata metadata() {
    return metadata;
  }

  @Override
  public int attempt() {
    return attempt;
  }

  @Override
  public String group() {
    return group;
  }

  @Override
  public CompletableFuture<PublishReceipt> publish(Object event, PublishOptions options) {
    CompletableFuture<PublishReceipt> future = bus.publishCaused(event, options, metadata, group);
    synchronized (publishes) {
      publishes.add(future);
    }
    return future;
  }

  /** Whether a publish was made through this context. */
  boolean published() {
    synchronized (publishes) {
      return !publishes.isEmpty();
    }
  }

  /** Completes when every publish made through this context has completed, either way. */
  CompletableFuture<Void> publishesDone() {
    synchronized (publishes) {
      return CompletableFuture.allOf(publishes.toArray(CompletableFuture[]::new));
    }
  }

  /** The first failed publish, or null. */
  Throwable publishFailure() {
    synchronized (publishes) {
      for (CompletableFuture<PublishReceipt> future : publishes) {
        if (future.isCompletedExceptionally()) {
          return future.handle((r, e) -> e).join();
        }
      }
      return null;
    }
  }
}

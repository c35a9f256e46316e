package dev.chorus.testkit;

import dev.chorus.EventContext;
import dev.chorus.EventMetadata;
import dev.chorus.PublishOptions;
import dev.chorus.PublishReceipt;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** A handler's context that records the follow-up events it publishes. */
final class RecordingContext implements EventContext {

  private final EventContext context;
  private final Recording recording;

  RecordingContext(EventContext context, Recording recording) {
    this.context = context;
    this.recording = recording;
  }

  @Override
  public EventMetadata metadata() {
    return context.metadata();
  }

  @Override
  public int attempt() {
    return context.attempt();
  }

  @Override
  public String group() {
    return context.group();
  }

  @Override
  public CompletableFuture<PublishReceipt> publish(Object event, PublishOptions options) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(options, "options");
    return recording.publish(event, context.group(), () -> context.publish(event, options));
  }

  @Override
  public String toString() {
    return context.toString();
  }
}

package dev.chorus.testkit;

import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventHandler;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.Subscription;
import dev.chorus.SubscriptionBuilder;

/**
 * Configures a subscription on the underlying bus, and starts it with a handler that records
 * each attempt and passes the user's handler a {@link RecordingContext}.
 */
final class RecordingSubscriptionBuilder<E> implements SubscriptionBuilder<E> {

  private final SubscriptionBuilder<E> builder;
  private final Recording recording;

  RecordingSubscriptionBuilder(SubscriptionBuilder<E> builder, Recording recording) {
    this.builder = builder;
    this.recording = recording;
  }

  @Override
  public SubscriptionBuilder<E> group(String group) {
    builder.group(group);
    return this;
  }

  @Override
  public SubscriptionBuilder<E> retry(RetryPolicy policy) {
    builder.retry(policy);
    return this;
  }

  @Override
  public SubscriptionBuilder<E> deadLetter(DeadLetterPolicy policy) {
    builder.deadLetter(policy);
    return this;
  }

  @Override
  public SubscriptionBuilder<E> concurrency(int concurrency) {
    builder.concurrency(concurrency);
    return this;
  }

  @Override
  public SubscriptionBuilder<E> startFrom(StartPosition position) {
    builder.startFrom(position);
    return this;
  }

  @Override
  public Subscription handle(EventHandler<? super E> handler) {
    java.util.Objects.requireNonNull(handler, "handler");
    EventHandler<E> recorded = (event, context) -> {
      Recording.Attempt attempt = recording.started(context.group(), event, context.metadata(), context.attempt());
      try {
        handler.handle(event, new RecordingContext(context, recording));
      } catch (Exception | Error e) {
        recording.threw(attempt, e);
        throw e;
      }
    };
    Subscription subscription = builder.handle(recorded);
    recording.subscribed(subscription.group());
    return subscription;
  }
}

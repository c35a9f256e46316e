package dev.chorus.internal;

import dev.chorus.DeadLetter;
import dev.chorus.EventBusListener;
import dev.chorus.EventMetadata;
import dev.chorus.PublishReceipt;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls every listener in order; a listener that throws is logged and does not stop the others. */
final class Listeners implements EventBusListener {

  private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

  private final List<EventBusListener> listeners;

  Listeners(List<EventBusListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(String call, Consumer<EventBusListener> action) {
    for (EventBusListener listener : listeners) {
      try {
        action.accept(listener);
      } catch (RuntimeException e) {
        LOG.warn("EventBusListener {} threw from {}; ignored", listener, call, e);
      }
    }
  }

  @Override
  public void onPublished(EventMetadata metadata, PublishReceipt receipt) {
    each("onPublished", l -> l.onPublished(metadata, receipt));
  }

  @Override
  public void onPublishFailed(EventMetadata metadata, String topic, Throwable failure) {
    each("onPublishFailed", l -> l.onPublishFailed(metadata, topic, failure));
  }

  @Override
  public void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {
    each("onHandled", l -> l.onHandled(metadata, group, attempt, duration));
  }

  @Override
  public void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable cause) {
    each("onRetryScheduled", l -> l.onRetryScheduled(metadata, group, attempt, delay, cause));
  }

  @Override
  public void onDeadLettered(DeadLetter deadLetter, String deadLetterTopic) {
    each("onDeadLettered", l -> l.onDeadLettered(deadLetter, deadLetterTopic));
  }

  @Override
  public void onDiscarded(DeadLetter deadLetter) {
    each("onDiscarded", l -> l.onDiscarded(deadLetter));
  }

  @Override
  public void onSubscriptionFailed(DeadLetter deadLetter) {
    each("onSubscriptionFailed", l -> l.onSubscriptionFailed(deadLetter));
  }

  @Override
  public void onSkipped(EventMetadata metadata, String group, String reason) {
    each("onSkipped", l -> l.onSkipped(metadata, group, reason));
  }
}

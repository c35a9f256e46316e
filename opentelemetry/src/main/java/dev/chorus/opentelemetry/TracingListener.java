package dev.chorus.opentelemetry;

import static dev.chorus.opentelemetry.SpanAttributes.ATTEMPT;
import static dev.chorus.opentelemetry.SpanAttributes.CAUSATION_ID;
import static dev.chorus.opentelemetry.SpanAttributes.CONSUMER_GROUP;
import static dev.chorus.opentelemetry.SpanAttributes.CONVERSATION_ID;
import static dev.chorus.opentelemetry.SpanAttributes.DEAD_LETTER_REASON;
import static dev.chorus.opentelemetry.SpanAttributes.DEAD_LETTER_TOPIC;
import static dev.chorus.opentelemetry.SpanAttributes.DESTINATION;
import static dev.chorus.opentelemetry.SpanAttributes.ERROR_TYPE;
import static dev.chorus.opentelemetry.SpanAttributes.EVENT_TYPE;
import static dev.chorus.opentelemetry.SpanAttributes.EXCEPTION_MESSAGE;
import static dev.chorus.opentelemetry.SpanAttributes.EXCEPTION_STACKTRACE;
import static dev.chorus.opentelemetry.SpanAttributes.EXCEPTION_TYPE;
import static dev.chorus.opentelemetry.SpanAttributes.MESSAGE_ID;
import static dev.chorus.opentelemetry.SpanAttributes.MESSAGING_SYSTEM;
import static dev.chorus.opentelemetry.SpanAttributes.OFFSET;
import static dev.chorus.opentelemetry.SpanAttributes.OPERATION_NAME;
import static dev.chorus.opentelemetry.SpanAttributes.OPERATION_TYPE;
import static dev.chorus.opentelemetry.SpanAttributes.OUTCOME;
import static dev.chorus.opentelemetry.SpanAttributes.PARTITION;
import static dev.chorus.opentelemetry.SpanAttributes.RETRY_DELAY_MS;
import static dev.chorus.opentelemetry.SpanAttributes.SYSTEM;

import dev.chorus.DeadLetter;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventMetadata;
import dev.chorus.PublishReceipt;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records one span per callback: a producer span per published (or failed) event, a consumer
 * span per outcome of a handling attempt. Its only state, the type-to-topic map and the bound
 * buses, is held in concurrent collections; safe to call from any number of threads.
 */
final class TracingListener implements EventBusListener {

  /** More types than any application registers; the map stops learning beyond it. */
  private static final int MAX_KNOWN_TYPES = 4096;
  /** The bound a dead letter applies to its stack trace (8 KiB), for the other failures too. */
  private static final int MAX_STACK_TRACE = 8 * 1024;

  private final Tracer tracer;
  /**
   * The topic of each event type, learned from what the bus publishes and dead-letters and from
   * the subscriptions of the bound buses: the handling callbacks do not name the topic.
   */
  private final Map<String, String> topics = new ConcurrentHashMap<>();
  /** Buses whose flow names the topics of the types they consume; weak, so as not to keep them. */
  private final List<WeakReference<EventBus>> buses = new CopyOnWriteArrayList<>();

  TracingListener(Tracer tracer) {
    this.tracer = Objects.requireNonNull(tracer, "tracer");
  }

  /** Lets consumer spans of this bus's subscriptions name their topic. */
  void bind(EventBus bus) {
    buses.removeIf(reference -> reference.get() == null);
    buses.add(new WeakReference<>(bus));
  }

  // ---------------------------------------------------------------- producer spans

  @Override
  public void onPublished(EventMetadata metadata, PublishReceipt receipt) {
    learn(metadata.type(), receipt.topic());
    Instant now = Instant.now();
    producer(metadata, receipt.topic(), now)
        .setAttribute(PARTITION, String.valueOf(receipt.partition()))
        .setAttribute(OFFSET, receipt.offset())
        .startSpan()
        .end(now);
  }

  @Override
  public void onPublishFailed(EventMetadata metadata, String topic, Throwable failure) {
    learn(metadata.type(), topic);
    Instant now = Instant.now();
    Span span = producer(metadata, topic, now).setAttribute(ERROR_TYPE, failure.getClass().getName()).startSpan();
    recordException(span, failure, now);
    span.setStatus(StatusCode.ERROR, String.valueOf(failure));
    span.end(now);
  }

  /** A producer span starting (and, as the callback does not say when the publish began, ending) now. */
  private SpanBuilder producer(EventMetadata metadata, String topic, Instant now) {
    SpanBuilder builder = tracer.spanBuilder(topic + " publish")
        .setSpanKind(SpanKind.PRODUCER)
        .setStartTimestamp(now)
        .setParent(EventParents.of(metadata))
        .setAttribute(DESTINATION, topic)
        .setAttribute(OPERATION_TYPE, "send")
        .setAttribute(OPERATION_NAME, "publish");
    return common(builder, metadata);
  }

  // ---------------------------------------------------------------- consumer spans

  @Override
  public void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {
    Instant end = Instant.now();
    consumer(metadata, group, topicOf(metadata.type()), attempt, "handled")
        .setStartTimestamp(end.minus(duration))
        .startSpan()
        .end(end);
  }

  @Override
  public void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable cause) {
    Instant now = Instant.now();
    Span span = consumer(metadata, group, topicOf(metadata.type()), attempt, "retry_scheduled")
        .setStartTimestamp(now)
        .setAttribute(RETRY_DELAY_MS, delay.toMillis())
        .setAttribute(ERROR_TYPE, cause.getClass().getName())
        .startSpan();
    recordException(span, cause, now);
    span.setStatus(StatusCode.ERROR, String.valueOf(cause));
    span.end(now);
  }

  @Override
  public void onDeadLettered(DeadLetter deadLetter, String deadLetterTopic) {
    failed(deadLetter, "dead_lettered", deadLetterTopic);
  }

  @Override
  public void onDiscarded(DeadLetter deadLetter) {
    failed(deadLetter, "discarded", null);
  }

  @Override
  public void onSubscriptionFailed(DeadLetter deadLetter) {
    failed(deadLetter, "subscription_failed", null);
  }

  /** The final attempt of an event that was given up on; the failure is known only as text. */
  private void failed(DeadLetter deadLetter, String outcome, String deadLetterTopic) {
    EventMetadata metadata = deadLetter.metadata();
    DeadLetter.Failure failure = deadLetter.failure();
    learn(metadata.type(), deadLetter.topic());
    Instant now = Instant.now();
    SpanBuilder builder = consumer(metadata, deadLetter.group(), deadLetter.topic(), failure.attempts(), outcome)
        .setStartTimestamp(now)
        .setAttribute(PARTITION, String.valueOf(deadLetter.partition()))
        .setAttribute(OFFSET, deadLetter.offset())
        .setAttribute(DEAD_LETTER_REASON, failure.reason().name())
        .setAttribute(ERROR_TYPE, failure.exceptionClass());
    if (deadLetterTopic != null) {
      builder.setAttribute(DEAD_LETTER_TOPIC, deadLetterTopic);
    }
    Span span = builder.startSpan();
    exceptionEvent(span, failure.exceptionClass(), failure.message(), failure.stackTrace(), now);
    span.setStatus(StatusCode.ERROR, failure.reason() + ": " + failure.exceptionClass()
        + (failure.message().isEmpty() ? "" : ": " + failure.message()));
    span.end(now);
  }

  private SpanBuilder consumer(EventMetadata metadata, String group, String topic, int attempt, String outcome) {
    String destination = topic != null ? topic : metadata.type();
    SpanBuilder builder = tracer.spanBuilder(destination + " process")
        .setSpanKind(SpanKind.CONSUMER)
        .setParent(EventParents.of(metadata))
        .setAttribute(OPERATION_TYPE, "process")
        .setAttribute(OPERATION_NAME, "process")
        .setAttribute(CONSUMER_GROUP, group)
        .setAttribute(ATTEMPT, attempt)
        .setAttribute(OUTCOME, outcome);
    if (topic != null) {
      builder.setAttribute(DESTINATION, topic);
    }
    return common(builder, metadata);
  }

  // ---------------------------------------------------------------- shared

  private static void recordException(Span span, Throwable exception, Instant at) {
    StringWriter stackTrace = new StringWriter();
    exception.printStackTrace(new PrintWriter(stackTrace));
    String trace = stackTrace.toString();
    exceptionEvent(span, exception.getClass().getName(), exception.getMessage(),
        trace.length() > MAX_STACK_TRACE ? trace.substring(0, MAX_STACK_TRACE) : trace, at);
  }

  /**
   * The event {@link Span#recordException} writes, but at the span's own end time: spans here
   * start and end at a given instant, and an event stamped later by the SDK clock would fall
   * outside the span.
   */
  private static void exceptionEvent(Span span, String type, String message, String stackTrace, Instant at) {
    AttributesBuilder attributes = Attributes.builder().put(EXCEPTION_TYPE, type);
    putIfPresent(attributes, EXCEPTION_MESSAGE, message);
    putIfPresent(attributes, EXCEPTION_STACKTRACE, stackTrace);
    span.addEvent("exception", attributes.build(), at);
  }

  private static SpanBuilder common(SpanBuilder builder, EventMetadata metadata) {
    AttributesBuilder attributes = Attributes.builder().put(MESSAGING_SYSTEM, SYSTEM);
    putIfPresent(attributes, MESSAGE_ID, metadata.id());
    putIfPresent(attributes, EVENT_TYPE, metadata.type());
    putIfPresent(attributes, CONVERSATION_ID, metadata.correlationId());
    putIfPresent(attributes, CAUSATION_ID, metadata.causationId());
    return builder.setAllAttributes(attributes.build());
  }

  private static void putIfPresent(AttributesBuilder attributes, AttributeKey<String> key, String value) {
    if (value != null) {
      attributes.put(key, value);
    }
  }

  /** The topic of a type; on a miss, reads the subscriptions of the bound buses, once per type. */
  private String topicOf(String type) {
    String topic = topics.get(type);
    if (topic == null) {
      for (WeakReference<EventBus> reference : buses) {
        EventBus bus = reference.get();
        if (bus != null) {
          bus.flow().consumes().forEach(edge -> learn(edge.type(), edge.topic()));
        }
      }
      topic = topics.get(type);
    }
    return topic;
  }

  private void learn(String type, String topic) {
    if (type != null && topic != null && (topics.size() < MAX_KNOWN_TYPES || topics.containsKey(type))) {
      topics.put(type, topic);
    }
  }

  @Override
  public String toString() {
    return "EventBusListener[OpenTelemetry spans via " + tracer + "]";
  }
}

package dev.chorus.opentelemetry;

import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventMetadata;
import dev.chorus.TraceContextProvider;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import java.util.Objects;

/**
 * The OpenTelemetry binding of an event bus: it puts the current span's trace context on the
 * events the bus publishes, and records producer and consumer spans for what the bus does, so
 * that one trace spans the publisher, every handling attempt, the follow-up events published
 * while handling, and dead letters.
 *
 * <pre>{@code
 * ChorusTracing tracing = ChorusTracing.create(openTelemetry);
 * EventBus bus = tracing.build(EventBus.builder().transport(transport).source("billing"));
 * }</pre>
 *
 * <h2>Trace context</h2>
 * {@link #traceContext()} returns the W3C {@code traceparent} of {@link Span#current()}, so an
 * event published inside a span carries that span's context as {@code ce_traceparent}. The bus
 * gives events published through an {@code EventContext} the incoming event's
 * {@code traceparent} when no span is current, so a chain keeps its trace from hop to hop, across
 * retries and into dead letters. The provider does not carry {@code tracestate}: the bus asks it
 * only for the {@code traceparent}.
 *
 * <h2>Spans</h2>
 * {@link #listener()} records, with the event's trace context as parent:
 * <ul>
 *   <li>a {@link io.opentelemetry.api.trace.SpanKind#PRODUCER PRODUCER} span
 *       {@code "<topic> publish"} per event the transport accepted, or that failed to publish
 *       (status {@code ERROR}, the exception recorded);
 *   <li>a {@link io.opentelemetry.api.trace.SpanKind#CONSUMER CONSUMER} span
 *       {@code "<topic> process"} per outcome of a handling attempt: handled (the span covers the
 *       attempt's duration), retry scheduled (status {@code ERROR}, the exception recorded,
 *       {@code chorus.retry.delay_ms}), and dead-lettered, discarded or stopping the subscription
 *       (status {@code ERROR}, an {@code exception} event built from the dead letter,
 *       {@code chorus.dead_letter.reason}). An event handled after two failures thus yields three
 *       consumer spans in the same trace.
 * </ul>
 * Attributes follow the OpenTelemetry messaging conventions: {@code messaging.system}
 * ({@code "chorus"}), {@code messaging.destination.name} (the topic),
 * {@code messaging.destination.partition.id}, {@code messaging.message.id} (the event id),
 * {@code messaging.message.conversation_id} (the correlation id),
 * {@code messaging.operation.type} ({@code "send"} or {@code "process"}),
 * {@code messaging.operation.name}, {@code messaging.consumer.group.name} and
 * {@code error.type}; and Chorus's own: {@code chorus.event.type}, {@code chorus.causation_id},
 * {@code chorus.offset}, {@code chorus.attempt} (1-based; 0 for an undecodable record),
 * {@code chorus.outcome} ({@code handled}, {@code retry_scheduled}, {@code dead_lettered},
 * {@code discarded}, {@code subscription_failed}), {@code chorus.retry.delay_ms},
 * {@code chorus.dead_letter.reason} and {@code chorus.dead_letter.topic}.
 *
 * <h2>Limitations of a listener-based binding</h2>
 * <ul>
 *   <li>Spans are created after the fact, from the bus's callbacks. No span is current while a
 *       handler runs unless the application starts one; a span the application starts there has
 *       no parent unless it extracts one from {@link EventMetadata#traceparent()}. Events the
 *       handler publishes still continue the incoming event's trace, because the bus carries the
 *       incoming {@code traceparent} over.
 *   <li>Consumer spans are children of the publisher's context (the span that was current when
 *       the event was published), not of the producer span, whose id is known only once the
 *       record has been written. Producer and consumer spans of one event are siblings.
 *   <li>Producer spans and the spans of failed attempts have no duration: the callbacks tell
 *       neither when the publish began nor how long a failed attempt took. Only the spans of
 *       handled attempts cover the handler's run time.
 *   <li>The handling callbacks do not name the topic. The binding reads the topics of the
 *       subscriptions of buses made with {@link #build(EventBus.Builder)}, and otherwise learns
 *       each event type's topic from the events the bus publishes or dead-letters (which may
 *       happen after the first attempts were handled); until it knows it, a consumer span is
 *       named {@code "<event type> process"} and has no {@code messaging.destination.name}.
 *   <li>An event published with no current span, and not from a handler of a traced event,
 *       carries no {@code traceparent}. Its spans then share a <em>chain context</em> derived
 *       from its correlation id (trace id and parent span id from
 *       {@code SHA-256("chorus-chain:" + correlationId)}): the producer span starts a new trace
 *       and the consumer spans, in any process, join it, as do the spans of the follow-up
 *       events, which share the correlation id. The chain context's span itself is never
 *       recorded, so tools show its children as having a missing parent; it is marked sampled,
 *       so a parent-based sampler records every such chain. Events given the same correlation id
 *       by the application share one trace.
 * </ul>
 *
 * <p>Thread-safe: the provider is called on publishing threads and the listener on publishing,
 * acknowledgement, handler and poll threads, concurrently; one instance may serve several buses.
 */
public final class ChorusTracing {

  /** The instrumentation scope name of the tracer {@link #create(OpenTelemetry)} uses. */
  public static final String INSTRUMENTATION_SCOPE = "dev.chorus.opentelemetry";

  private final TracingListener listener;

  private ChorusTracing(Tracer tracer) {
    this.listener = new TracingListener(tracer);
  }

  /**
   * A binding recording spans with the tracer {@value #INSTRUMENTATION_SCOPE} of an
   * OpenTelemetry instance.
   *
   * @param openTelemetry the OpenTelemetry instance, such as an {@code OpenTelemetrySdk}
   * @return the binding
   * @throws NullPointerException if {@code openTelemetry} is null
   */
  public static ChorusTracing create(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new ChorusTracing(openTelemetry.getTracer(INSTRUMENTATION_SCOPE));
  }

  /**
   * A binding recording spans with the given tracer.
   *
   * @param tracer the tracer
   * @return the binding
   * @throws NullPointerException if {@code tracer} is null
   */
  public static ChorusTracing create(Tracer tracer) {
    return new ChorusTracing(Objects.requireNonNull(tracer, "tracer"));
  }

  /**
   * The provider of the current span's trace context, for
   * {@link EventBus.Builder#traceContext}: the W3C {@code traceparent}
   * {@code 00-<trace id>-<span id>-<01 if sampled, else 00>} of {@link Span#current()}, or
   * {@code null} when its span context is not valid. Thread-safe, does not block.
   *
   * @return the provider
   */
  public TraceContextProvider traceContext() {
    return CurrentSpanTraceContext.INSTANCE;
  }

  /**
   * The listener recording producer and consumer spans, for {@link EventBus.Builder#listener}.
   * Thread-safe; may be added to several buses.
   *
   * @return the listener
   */
  public EventBusListener listener() {
    return listener;
  }

  /**
   * Sets both {@link #traceContext()} and {@link #listener()} on a bus builder. Consumer spans
   * of a bus built this way name their topic only once the binding has seen this bus publish or
   * dead-letter an event of that type; {@link #build(EventBus.Builder)} names it from the start.
   *
   * @param builder the builder
   * @return the same builder
   * @throws NullPointerException if {@code builder} is null
   */
  public EventBus.Builder install(EventBus.Builder builder) {
    return Objects.requireNonNull(builder, "builder").traceContext(traceContext()).listener(listener);
  }

  /**
   * {@linkplain #install Installs} this binding on a bus builder and builds the bus, letting the
   * consumer spans of its subscriptions name their topic (read from {@link EventBus#flow()}).
   * The binding holds the bus only weakly.
   *
   * @param builder the builder
   * @return the new bus
   * @throws NullPointerException if {@code builder} is null
   * @throws IllegalStateException if the builder has no transport (see
   *     {@link EventBus.Builder#build()})
   */
  public EventBus build(EventBus.Builder builder) {
    EventBus bus = install(builder).build();
    listener.bind(bus);
    return bus;
  }

  @Override
  public String toString() {
    return "ChorusTracing[" + listener + "]";
  }
}

package dev.chorus.opentelemetry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBus;
import dev.chorus.EventKey;
import dev.chorus.EventType;
import dev.chorus.NonRetryableException;
import dev.chorus.PublishReceipt;
import dev.chorus.RetryPolicy;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.spi.OutgoingRecord;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Spans recorded for a bus on the in-memory transport, exported by the OpenTelemetry SDK's
 * in-memory exporter: one trace across a chain of hops with a retry, dead letters, publish
 * failures, events published without a current span, and concurrent callbacks.
 */
class ChorusTracingTest {

  /** The first hop. */
  @EventType(value = "otel.order-placed", topic = "otel.orders")
  public record OrderPlaced(@EventKey String orderId) {}

  /** The second hop, published while handling the first. */
  @EventType(value = "otel.payment-taken", topic = "otel.payments")
  public record PaymentTaken(@EventKey String orderId) {}

  /** The third hop, published while handling the second. */
  @EventType(value = "otel.order-shipped", topic = "otel.shipments")
  public record OrderShipped(@EventKey String orderId) {}

  /** An event Jackson cannot serialize, so publishing it fails. */
  @EventType(value = "otel.broken", topic = "otel.broken")
  public static final class Broken {
    /**
     * Fails on serialization.
     *
     * @return never
     */
    public String getValue() {
      throw new IllegalStateException("cannot serialize me");
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final OpenTelemetrySdk openTelemetry = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
      .build();
  private final Tracer application = openTelemetry.getTracer("test-application");
  private final ChorusTracing tracing = ChorusTracing.create(openTelemetry);
  private final InMemoryTransport transport = InMemoryTransport.create();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    transport.close();
    openTelemetry.close();
  }

  private EventBus tracedBus() {
    EventBus bus = tracing.build(builder());
    closeables.add(bus);
    return bus;
  }

  private EventBus.Builder builder() {
    return EventBus.builder().transport(transport).closeTransport(false).clock(VirtualClock.autoAdvancing())
        .source("shop");
  }

  private EventBus bus(EventBus.Builder builder) {
    EventBus bus = builder.build();
    closeables.add(bus);
    return bus;
  }

  // ---------------------------------------------------------------- trace context provider

  @Test
  void theProviderGivesTheCurrentSpansTraceparentAndNothingOutsideASpan() {
    assertThat(tracing.traceContext().traceparent()).isNull();

    Span span = application.spanBuilder("work").startSpan();
    SpanContext context = span.getSpanContext();
    assertThat(inside(span, tracing.traceContext()::traceparent))
        .isEqualTo("00-" + context.getTraceId() + "-" + context.getSpanId() + "-01");

    SpanContext unsampled = SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
        TraceFlags.getDefault(), TraceState.getDefault());
    assertThat(inside(Span.wrap(unsampled), tracing.traceContext()::traceparent))
        .isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    assertThat(tracing.traceContext().traceparent()).isNull();
  }

  @Test
  void creatingAndInstallingRejectNull() {
    assertThatNullPointerException().isThrownBy(() -> ChorusTracing.create((Tracer) null)).withMessage("tracer");
    assertThatNullPointerException().isThrownBy(() -> ChorusTracing.create((OpenTelemetry) null))
        .withMessage("openTelemetry");
    assertThatNullPointerException().isThrownBy(() -> tracing.install(null)).withMessage("builder");
  }

  // ---------------------------------------------------------------- one trace across a chain

  @Test
  void aThreeHopChainWithARetryIsOneTraceUnderTheApplicationSpan() {
    EventBus bus = tracedBus();
    bus.subscribe(OrderPlaced.class).group("payments")
        .handle((event, ctx) -> ctx.publish(new PaymentTaken(event.orderId())));
    bus.subscribe(PaymentTaken.class).group("shipping").retry(RetryPolicy.fixed(3, Duration.ofSeconds(30)))
        .handle((event, ctx) -> {
          if (ctx.attempt() == 1) {
            throw new IllegalStateException("warehouse unavailable");
          }
          ctx.publish(new OrderShipped(event.orderId()));
        });
    bus.subscribe(OrderShipped.class).group("notifications").handle((event, ctx) -> {
      // Takes 20 ms of wall time, so that the handled span's duration can be checked.
      long until = System.nanoTime() + Duration.ofMillis(20).toNanos();
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
    });

    Span root = application.spanBuilder("place order").startSpan();
    PublishReceipt receipt = inside(root, () -> bus.publish(new OrderPlaced("o-1")).join());
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    SpanContext app = root.getSpanContext();
    String traceparent = "00-" + app.getTraceId() + "-" + app.getSpanId() + "-01";
    for (String topic : List.of("otel.orders", "otel.payments", "otel.shipments")) {
      assertThat(new String(transport.records(topic).get(0).headers().get("ce_traceparent"), UTF_8))
          .as("ce_traceparent on %s", topic).isEqualTo(traceparent);
    }

    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(8);
    assertThat(spans).extracting(SpanData::getTraceId).containsOnly(app.getTraceId());
    assertThat(spans).filteredOn(span -> span != spanOf(spans, "place order"))
        .extracting(SpanData::getParentSpanId).containsOnly(app.getSpanId());

    List<SpanData> producers = ofKind(spans, SpanKind.PRODUCER);
    List<SpanData> consumers = ofKind(spans, SpanKind.CONSUMER);
    assertThat(producers).extracting(SpanData::getName)
        .containsExactlyInAnyOrder("otel.orders publish", "otel.payments publish", "otel.shipments publish");
    assertThat(consumers).extracting(SpanData::getName).containsExactlyInAnyOrder("otel.orders process",
        "otel.payments process", "otel.payments process", "otel.shipments process");
    assertThat(producers).allSatisfy(span -> {
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
      assertThat(span.getEndEpochNanos()).isEqualTo(span.getStartEpochNanos());
    });

    SpanData published = spanOf(spans, "otel.orders publish");
    assertThat(published.getAttributes().asMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
        key("messaging.system"), "chorus",
        key("messaging.destination.name"), "otel.orders",
        key("messaging.destination.partition.id"), String.valueOf(receipt.partition()),
        key("messaging.message.id"), receipt.eventId(),
        key("messaging.message.conversation_id"), receipt.eventId(),
        key("messaging.operation.type"), "send",
        key("messaging.operation.name"), "publish",
        key("chorus.event.type"), "otel.order-placed",
        AttributeKey.longKey("chorus.offset"), receipt.offset()));

    SpanData ordered = spanOf(spans, "otel.orders process");
    assertThat(ordered.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(ordered.getAttributes().asMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
        key("messaging.system"), "chorus",
        key("messaging.destination.name"), "otel.orders",
        key("messaging.message.id"), receipt.eventId(),
        key("messaging.message.conversation_id"), receipt.eventId(),
        key("messaging.operation.type"), "process",
        key("messaging.operation.name"), "process",
        key("messaging.consumer.group.name"), "payments",
        key("chorus.event.type"), "otel.order-placed",
        AttributeKey.longKey("chorus.attempt"), 1L,
        key("chorus.outcome"), "handled"));

    // The second hop: a producer span, a failed attempt and a handled one, all about the same event.
    SpanData paymentPublished = spanOf(spans, "otel.payments publish");
    String paymentId = paymentPublished.getAttributes().get(key("messaging.message.id"));
    assertThat(paymentPublished.getAttributes().get(key("chorus.causation_id"))).isEqualTo(receipt.eventId());
    List<SpanData> paymentAttempts = consumers.stream().filter(span -> span.getName().equals("otel.payments process"))
        .sorted((a, b) -> Long.compare(attempt(a), attempt(b))).toList();
    assertThat(paymentAttempts).extracting(span -> span.getAttributes().get(key("messaging.message.id")))
        .containsOnly(paymentId);
    assertThat(paymentAttempts).extracting(span -> span.getAttributes().get(key("messaging.consumer.group.name")))
        .containsOnly("shipping");

    SpanData failed = paymentAttempts.get(0);
    assertThat(attempt(failed)).isEqualTo(1);
    assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(failed.getStatus().getDescription()).isEqualTo("java.lang.IllegalStateException: warehouse unavailable");
    assertThat(failed.getAttributes().get(key("chorus.outcome"))).isEqualTo("retry_scheduled");
    assertThat(failed.getAttributes().get(AttributeKey.longKey("chorus.retry.delay_ms"))).isEqualTo(30_000L);
    assertThat(failed.getAttributes().get(key("error.type"))).isEqualTo("java.lang.IllegalStateException");
    assertThat(failed.getEvents()).singleElement().satisfies(event -> {
      assertThat(event.getName()).isEqualTo("exception");
      assertThat(event.getAttributes().get(key("exception.type"))).isEqualTo("java.lang.IllegalStateException");
      assertThat(event.getAttributes().get(key("exception.message"))).isEqualTo("warehouse unavailable");
      assertThat(event.getAttributes().get(key("exception.stacktrace")))
          .startsWith("java.lang.IllegalStateException: warehouse unavailable");
      assertThat(event.getEpochNanos()).isEqualTo(failed.getEndEpochNanos());
    });
    assertThat(failed.getEndEpochNanos()).isEqualTo(failed.getStartEpochNanos());

    SpanData retried = paymentAttempts.get(1);
    assertThat(attempt(retried)).isEqualTo(2);
    assertThat(retried.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(retried.getAttributes().get(key("chorus.outcome"))).isEqualTo("handled");
    assertThat(retried.getEvents()).isEmpty();

    // Every hop shares the first event's correlation id, and the third was caused by the second.
    assertThat(ofKind(spans, SpanKind.PRODUCER)).extracting(span -> span.getAttributes()
        .get(key("messaging.message.conversation_id"))).containsOnly(receipt.eventId());
    assertThat(spanOf(spans, "otel.shipments publish").getAttributes().get(key("chorus.causation_id")))
        .isEqualTo(paymentId);

    SpanData shipped = spanOf(spans, "otel.shipments process");
    assertThat(shipped.getEndEpochNanos() - shipped.getStartEpochNanos())
        .isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
  }

  // ---------------------------------------------------------------- failures

  @Test
  void aDeadLetteredEventYieldsAnErrorConsumerSpanForEachAttemptWithTheReasonOnTheLast() {
    EventBus bus = tracedBus();
    bus.subscribe(PaymentTaken.class).group("billing").retry(RetryPolicy.fixed(2, Duration.ofSeconds(5)))
        .handle((event, ctx) -> {
          throw new IllegalStateException("card declined");
        });

    Span root = application.spanBuilder("charge").startSpan();
    PublishReceipt receipt = inside(root, () -> bus.publish(new PaymentTaken("o-2")).join());
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(4);
    assertThat(spans).extracting(SpanData::getTraceId).containsOnly(root.getSpanContext().getTraceId());
    List<SpanData> consumers = ofKind(spans, SpanKind.CONSUMER);
    assertThat(consumers).hasSize(2).allSatisfy(span -> {
      assertThat(span.getName()).isEqualTo("otel.payments process");
      assertThat(span.getParentSpanId()).isEqualTo(root.getSpanContext().getSpanId());
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    });
    SpanData dead = consumers.stream().filter(span -> attempt(span) == 2).findFirst().orElseThrow();
    assertThat(dead.getStatus().getDescription())
        .isEqualTo("HANDLER_FAILED: java.lang.IllegalStateException: card declined");
    assertThat(dead.getAttributes().asMap()).containsAllEntriesOf(Map.of(
        key("chorus.outcome"), "dead_lettered",
        key("chorus.dead_letter.reason"), "HANDLER_FAILED",
        key("chorus.dead_letter.topic"), "otel.payments.billing.dlt",
        key("messaging.destination.name"), "otel.payments",
        key("messaging.destination.partition.id"), String.valueOf(receipt.partition()),
        key("messaging.message.id"), receipt.eventId(),
        key("messaging.consumer.group.name"), "billing",
        key("error.type"), "java.lang.IllegalStateException",
        AttributeKey.longKey("chorus.offset"), receipt.offset()));
    assertThat(dead.getEvents()).singleElement().satisfies(event -> {
      assertThat(event.getName()).isEqualTo("exception");
      assertThat(event.getAttributes().get(key("exception.type"))).isEqualTo("java.lang.IllegalStateException");
      assertThat(event.getAttributes().get(key("exception.message"))).isEqualTo("card declined");
      assertThat(event.getAttributes().get(key("exception.stacktrace")))
          .startsWith("java.lang.IllegalStateException: card declined");
      assertThat(event.getEpochNanos()).isEqualTo(dead.getEndEpochNanos());
    });
    SpanData first = consumers.stream().filter(span -> attempt(span) == 1).findFirst().orElseThrow();
    assertThat(first.getAttributes().get(key("chorus.outcome"))).isEqualTo("retry_scheduled");
    assertThat(first.getAttributes().get(key("chorus.dead_letter.reason"))).isNull();
  }

  @Test
  void aDiscardedNonRetryableEventYieldsOneErrorConsumerSpan() {
    EventBus bus = tracedBus();
    bus.subscribe(PaymentTaken.class).group("audit").retry(RetryPolicy.fixed(5, Duration.ofSeconds(1)))
        .deadLetter(DeadLetterPolicy.discard())
        .handle((event, ctx) -> {
          throw new NonRetryableException("malformed order id");
        });

    bus.publish(new PaymentTaken("o-3")).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(ofKind(exporter.getFinishedSpanItems(), SpanKind.CONSUMER)).singleElement().satisfies(span -> {
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getAttributes().get(key("chorus.outcome"))).isEqualTo("discarded");
      assertThat(span.getAttributes().get(key("chorus.dead_letter.reason"))).isEqualTo("NON_RETRYABLE");
      assertThat(span.getAttributes().get(key("chorus.dead_letter.topic"))).isNull();
      assertThat(attempt(span)).isEqualTo(1);
      assertThat(span.getEvents()).extracting(EventData::getName).containsExactly("exception");
    });
  }

  @Test
  void aFailedPublishYieldsAnErrorProducerSpanInTheCurrentTrace() {
    EventBus bus = tracedBus();
    Span root = application.spanBuilder("publish broken").startSpan();
    CompletableFuture<PublishReceipt> future = inside(root, () -> bus.publish(new Broken()));
    assertThat(future).isCompletedExceptionally();

    assertThat(ofKind(exporter.getFinishedSpanItems(), SpanKind.PRODUCER)).singleElement().satisfies(span -> {
      assertThat(span.getName()).isEqualTo("otel.broken publish");
      assertThat(span.getTraceId()).isEqualTo(root.getSpanContext().getTraceId());
      assertThat(span.getParentSpanId()).isEqualTo(root.getSpanContext().getSpanId());
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getAttributes().get(key("error.type"))).isEqualTo("dev.chorus.PublishException");
      assertThat(span.getAttributes().get(key("messaging.destination.partition.id"))).isNull();
      assertThat(span.getEvents()).singleElement().satisfies(event -> assertThat(
          event.getAttributes().get(key("exception.type"))).isEqualTo("dev.chorus.PublishException"));
    });
  }

  @Test
  void anUndecodableRecordYieldsAnErrorConsumerSpanWithNoAttemptInTheTraceItCarries() {
    EventBus bus = tracedBus();
    bus.subscribe(OrderPlaced.class).group("payments").handle((event, ctx) -> {});
    String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    Map<String, byte[]> headers = new LinkedHashMap<>();
    headers.put("ce_specversion", "1.0".getBytes(UTF_8));
    headers.put("ce_id", "raw-1".getBytes(UTF_8));
    headers.put("ce_source", "elsewhere".getBytes(UTF_8));
    headers.put("ce_type", "otel.order-placed".getBytes(UTF_8));
    headers.put("ce_time", "2026-01-01T00:00:00Z".getBytes(UTF_8));
    headers.put("ce_traceparent", traceparent.getBytes(UTF_8));
    transport.send(new OutgoingRecord("otel.orders", "k", "{not json".getBytes(UTF_8), headers)).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(exporter.getFinishedSpanItems()).singleElement().satisfies(span -> {
      assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
      assertThat(span.getName()).isEqualTo("otel.orders process");
      assertThat(span.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
      assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getAttributes().get(key("chorus.dead_letter.reason"))).isEqualTo("UNDECODABLE");
      assertThat(span.getAttributes().get(key("chorus.dead_letter.topic"))).isEqualTo("otel.orders.payments.dlt");
      assertThat(span.getAttributes().get(key("messaging.message.id"))).isEqualTo("raw-1");
      assertThat(attempt(span)).isZero();
    });
  }

  // ---------------------------------------------------------------- events without trace context

  @Test
  void anEventPublishedOutsideAnySpanStartsATraceThatItsConsumersAndFollowUpsJoin() throws Exception {
    EventBus bus = tracedBus();
    bus.subscribe(OrderPlaced.class).group("payments")
        .handle((event, ctx) -> ctx.publish(new PaymentTaken(event.orderId())));
    bus.subscribe(PaymentTaken.class).group("shipping").handle((event, ctx) -> {});

    PublishReceipt first = bus.publish(new OrderPlaced("o-4")).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    PublishReceipt second = bus.publish(new OrderPlaced("o-5")).join();
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    // The bus wrote no trace context: nothing was current and the incoming event had none.
    assertThat(transport.records("otel.orders")).allSatisfy(r -> assertThat(r.headers()).doesNotContainKey(
        "ce_traceparent"));
    assertThat(transport.records("otel.payments")).allSatisfy(r -> assertThat(r.headers()).doesNotContainKey(
        "ce_traceparent"));

    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(8);
    Map<String, List<SpanData>> byChain = spans.stream().collect(Collectors.groupingBy(
        span -> span.getAttributes().get(key("messaging.message.conversation_id"))));
    assertThat(byChain.keySet()).containsExactlyInAnyOrder(first.eventId(), second.eventId());
    Set<String> exported = spans.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
    for (PublishReceipt receipt : List.of(first, second)) {
      List<SpanData> chain = byChain.get(receipt.eventId());
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(("chorus-chain:" + receipt.eventId())
          .getBytes(UTF_8));
      String traceId = HexFormat.of().formatHex(digest, 0, 16);
      String parentId = HexFormat.of().formatHex(digest, 16, 24);
      assertThat(chain).extracting(span -> span.getKind() + " " + span.getName()).containsExactlyInAnyOrder(
          "PRODUCER otel.orders publish", "CONSUMER otel.orders process",
          "PRODUCER otel.payments publish", "CONSUMER otel.payments process");
      assertThat(chain).allSatisfy(span -> {
        assertThat(span.getTraceId()).isEqualTo(traceId);
        assertThat(span.getParentSpanContext().isRemote()).isTrue();
        assertThat(span.getParentSpanId()).isEqualTo(parentId).isNotIn(exported);
      });
    }
    assertThat(byChain.get(first.eventId()).get(0).getTraceId())
        .isNotEqualTo(byChain.get(second.eventId()).get(0).getTraceId());
  }

  // ---------------------------------------------------------------- two services

  @Test
  void aConsumerInAnotherServiceJoinsThePublishersTraceAndNamesSpansByTypeWhenItCannotKnowTheTopic() {
    EventBus publisher = bus(builder().source("orders").traceContext(tracing.traceContext()));
    // Installed but not built by the binding: it cannot read the topic from the subscription.
    EventBus consumer = bus(tracing.install(builder().source("payments")));
    consumer.subscribe(OrderPlaced.class).group("payments").handle((event, ctx) -> {});

    Span root = application.spanBuilder("place order").startSpan();
    PublishReceipt receipt = inside(root, () -> publisher.publish(new OrderPlaced("o-6")).join());
    assertThat(consumer.awaitIdle(TIMEOUT)).isTrue();

    assertThat(exporter.getFinishedSpanItems()).filteredOn(span -> span.getKind() != SpanKind.INTERNAL)
        .singleElement().satisfies(span -> {
          assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
          assertThat(span.getName()).isEqualTo("otel.order-placed process");
          assertThat(span.getTraceId()).isEqualTo(root.getSpanContext().getTraceId());
          assertThat(span.getParentSpanId()).isEqualTo(root.getSpanContext().getSpanId());
          assertThat(span.getAttributes().get(key("messaging.message.id"))).isEqualTo(receipt.eventId());
          assertThat(span.getAttributes().get(key("messaging.destination.name"))).isNull();
        });
  }

  // ---------------------------------------------------------------- concurrency

  @Test
  void concurrentPublishersAndHandlersEachGetTheirOwnTrace() throws Exception {
    EventBus bus = tracedBus();
    bus.subscribe(OrderPlaced.class).group("payments").concurrency(4).handle((event, ctx) -> {});
    int count = 40;
    ExecutorService publishers = Executors.newFixedThreadPool(4);
    closeables.add(publishers::shutdownNow);
    List<CompletableFuture<String>> traces = IntStream.range(0, count).mapToObj(i -> CompletableFuture.supplyAsync(
        () -> {
          Span span = application.spanBuilder("publish " + i).startSpan();
          inside(span, () -> bus.publish(new OrderPlaced("o-" + i)).join());
          return span.getSpanContext().getTraceId();
        }, publishers)).toList();
    Set<String> traceIds = traces.stream().map(CompletableFuture::join).collect(Collectors.toSet());
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();

    assertThat(traceIds).hasSize(count);
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(3 * count);
    Map<String, List<SpanData>> byTrace = spans.stream().collect(Collectors.groupingBy(SpanData::getTraceId));
    assertThat(byTrace.keySet()).isEqualTo(traceIds);
    assertThat(byTrace.values()).allSatisfy(trace -> {
      assertThat(trace).extracting(SpanData::getKind)
          .containsExactlyInAnyOrder(SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER);
      Map<SpanKind, SpanData> byKind = trace.stream().collect(Collectors.toMap(SpanData::getKind,
          Function.identity()));
      assertThat(byKind.get(SpanKind.CONSUMER).getAttributes().get(key("messaging.message.id")))
          .isEqualTo(byKind.get(SpanKind.PRODUCER).getAttributes().get(key("messaging.message.id")));
    });
  }

  // ---------------------------------------------------------------- helpers

  /** Runs {@code action} with {@code span} current, then ends the span. */
  private static <T> T inside(Span span, Supplier<T> action) {
    Scope scope = span.makeCurrent();
    try {
      return action.get();
    } finally {
      scope.close();
      span.end();
    }
  }

  private static AttributeKey<String> key(String name) {
    return AttributeKey.stringKey(name);
  }

  private static long attempt(SpanData span) {
    return span.getAttributes().get(AttributeKey.longKey("chorus.attempt"));
  }

  private static List<SpanData> ofKind(List<SpanData> spans, SpanKind kind) {
    return spans.stream().filter(span -> span.getKind() == kind).toList();
  }

  private static SpanData spanOf(List<SpanData> spans, String name) {
    List<SpanData> named = spans.stream().filter(span -> span.getName().equals(name)).toList();
    assertThat(named).as("spans named %s", name).hasSize(1);
    return named.get(0);
  }
}

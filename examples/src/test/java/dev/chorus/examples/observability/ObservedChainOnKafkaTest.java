package dev.chorus.examples.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.EventBus;
import dev.chorus.EventFlow;
import dev.chorus.EventKey;
import dev.chorus.EventType;
import dev.chorus.RetryPolicy;
import dev.chorus.kafka.KafkaTransport;
import dev.chorus.kafka.testkit.EmbeddedKafka;
import dev.chorus.kafka.testkit.EmbeddedKafkaExtension;
import dev.chorus.micrometer.ChorusMetrics;
import dev.chorus.opentelemetry.ChorusTracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A chain of three hops on a real Kafka broker, observed: the flow map and the AsyncAPI document
 * describe exactly the services and events that ran, one trace id spans all hops including a
 * retry, and the metrics count what happened.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ObservedChainOnKafkaTest {

  /** An order was placed in the shop. */
  @EventType(value = "shop.order-placed", topic = "shop.orders")
  public record OrderPlaced(@EventKey String orderId, String run) {}

  /** Stock was reserved for an order. */
  @EventType(value = "warehouse.stock-reserved", topic = "warehouse.stock")
  public record StockReserved(@EventKey String orderId, String run) {}

  /** A shipment was scheduled for an order. */
  @EventType(value = "shipping.shipment-scheduled", topic = "shipping.shipments")
  public record ShipmentScheduled(@EventKey String orderId, String run) {}

  private final EmbeddedKafka kafka;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  ObservedChainOnKafkaTest(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  @Test
  void aThreeHopChainWithARetryIsOneTraceAndItsFlowMetricsAndAsyncApiMatchWhatRan() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ChorusTracing tracing = ChorusTracing.create(otel);
    String warehouse = "warehouse-" + run;
    String shipping = "shipping-" + run;
    String notifications = "notifications-" + run;
    AtomicInteger warehouseAttempts = new AtomicInteger();
    List<String> notified = new ArrayList<>();

    try (EventBus bus = tracing.build(EventBus.builder()
        .transport(KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers()).build())
        .source("shop-" + run)
        .listener(ChorusMetrics.of(meters)))) {
      bus.subscribe(OrderPlaced.class).group(warehouse).retry(RetryPolicy.fixed(3, Duration.ofMillis(50)))
          .handle((order, ctx) -> {
            if (order.run().equals(run) && warehouseAttempts.incrementAndGet() == 1) {
              throw new IllegalStateException("warehouse busy");
            }
            ctx.publish(new StockReserved(order.orderId(), order.run()));
          });
      bus.subscribe(StockReserved.class).group(shipping)
          .handle((stock, ctx) -> ctx.publish(new ShipmentScheduled(stock.orderId(), stock.run())));
      bus.subscribe(ShipmentScheduled.class).group(notifications).handle((shipment, ctx) -> {
        if (shipment.run().equals(run)) {
          synchronized (notified) {
            notified.add(shipment.orderId());
          }
        }
      });

      Span checkout = otel.getTracer("shop").spanBuilder("checkout").startSpan();
      Scope scope = checkout.makeCurrent();
      try {
        bus.publish(new OrderPlaced("order-1", run)).join();
      } finally {
        scope.close();
        checkout.end();
      }
      assertThat(bus.awaitIdle(Duration.ofSeconds(60))).isTrue();
      assertThat(notified).containsExactly("order-1");

      EventFlow flow = bus.flow();
      assertThat(flow.emits()).containsExactly(new EventFlow.Emits("shop-" + run, "shop.order-placed", 1));
      assertThat(flow.consumes()).containsExactly(
          new EventFlow.Consumes("shipping.shipment-scheduled", "shipping.shipments", notifications),
          new EventFlow.Consumes("shop.order-placed", "shop.orders", warehouse),
          new EventFlow.Consumes("warehouse.stock-reserved", "warehouse.stock", shipping));
      assertThat(flow.publishes()).containsExactlyInAnyOrder(
          new EventFlow.Publishes(warehouse, "warehouse.stock-reserved", 1),
          new EventFlow.Publishes(shipping, "shipping.shipment-scheduled", 1));

      JsonNode asyncApi = new ObjectMapper().readTree(flow.toAsyncApi());
      List<String> channels = new ArrayList<>();
      asyncApi.get("channels").fieldNames().forEachRemaining(channels::add);
      assertThat(channels).containsExactly("shipping.shipments", "shop.orders", "warehouse.stock");
      List<String> operations = new ArrayList<>();
      asyncApi.get("operations").fieldNames().forEachRemaining(operations::add);
      assertThat(operations).containsExactlyInAnyOrder(
          "shop-" + run + ".send.shop.order-placed",
          warehouse + ".receive.shop.order-placed",
          warehouse + ".send.warehouse.stock-reserved",
          shipping + ".receive.warehouse.stock-reserved",
          shipping + ".send.shipping.shipment-scheduled",
          notifications + ".receive.shipping.shipment-scheduled");
    }

    List<SpanData> finished = spans.getFinishedSpanItems();
    String traceId = finished.stream().filter(span -> span.getName().equals("checkout")).findFirst().orElseThrow()
        .getTraceId();
    assertThat(finished).as("spans of the chain").allSatisfy(span -> assertThat(span.getTraceId()).isEqualTo(traceId));
    assertThat(finished.stream().filter(span -> span.getKind() == SpanKind.PRODUCER).map(SpanData::getName))
        .containsExactlyInAnyOrder("shop.orders publish", "warehouse.stock publish", "shipping.shipments publish");
    assertThat(finished.stream().filter(span -> span.getKind() == SpanKind.CONSUMER).map(SpanData::getName))
        .containsExactlyInAnyOrder("shop.orders process", "shop.orders process", "warehouse.stock process",
            "shipping.shipments process");

    assertThat(meters.get("chorus.events.published").counters()).hasSize(3)
        .allSatisfy(counter -> assertThat(counter.count()).isEqualTo(1.0));
    assertThat(meters.get("chorus.events.handled").tag("group", warehouse).counter().count()).isEqualTo(1.0);
    assertThat(meters.get("chorus.events.handled").tag("group", shipping).counter().count()).isEqualTo(1.0);
    assertThat(meters.get("chorus.events.handled").tag("group", notifications).counter().count()).isEqualTo(1.0);
    assertThat(meters.get("chorus.events.retries").tag("group", warehouse).counter().count()).isEqualTo(1.0);
    assertThat(meters.find("chorus.events.dead.lettered").counters()).isEmpty();
  }
}

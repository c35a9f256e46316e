package dev.chorus.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.EventBus;
import dev.chorus.EventFlow;
import dev.chorus.EventKey;
import dev.chorus.EventType;
import dev.chorus.inmemory.InMemoryTransport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The flow map the running code documents: Mermaid, JSON and AsyncAPI 3.0 with payload schemas. */
class EventFlowTest {

  /** How an order was paid. */
  public enum Method { CARD, INVOICE }

  /** A line of an order. */
  public record Line(String sku, int quantity) {}

  /** A validated payment. */
  @EventType(value = "payments.payment-validated", topic = "payments")
  public record PaymentValidated(@EventKey String paymentId, String orderId, long amountCents, Instant at,
      Method method, List<Line> lines, Optional<String> coupon, Map<String, Integer> tags) {}

  /** An order created for a payment. */
  @EventType(value = "orders.order-created", topic = "orders")
  public record OrderCreated(@EventKey String orderId, String paymentId) {}

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EventBus bus = EventBus.builder().transport(InMemoryTransport.create()).source("checkout").build();

  @AfterEach
  void close() {
    bus.close();
  }

  private EventFlow runChoreography() {
    bus.subscribe(PaymentValidated.class).group("order-service")
        .handle((payment, ctx) -> ctx.publish(new OrderCreated(payment.orderId(), payment.paymentId())));
    bus.subscribe(PaymentValidated.class).group("loyalty-service").handle((payment, ctx) -> {});
    bus.subscribe(OrderCreated.class).group("shipping-service").handle((order, ctx) -> {});
    for (int i = 0; i < 3; i++) {
      bus.publish(new PaymentValidated("p" + i, "o" + i, 100, Instant.EPOCH, Method.CARD,
          List.of(new Line("sku", 1)), Optional.empty(), Map.of()));
    }
    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    return bus.flow();
  }

  @Test
  void theFlowListsTypesSubscriptionsAndWhatWasPublishedByWhom() {
    EventFlow flow = runChoreography();

    assertThat(flow.types()).containsExactly(
        new EventFlow.Type("orders.order-created", "orders", 1, OrderCreated.class),
        new EventFlow.Type("payments.payment-validated", "payments", 1, PaymentValidated.class));
    assertThat(flow.consumes()).containsExactly(
        new EventFlow.Consumes("orders.order-created", "orders", "shipping-service"),
        new EventFlow.Consumes("payments.payment-validated", "payments", "loyalty-service"),
        new EventFlow.Consumes("payments.payment-validated", "payments", "order-service"));
    assertThat(flow.publishes()).containsExactly(new EventFlow.Publishes("order-service", "orders.order-created", 3));
    assertThat(flow.emits()).containsExactly(new EventFlow.Emits("checkout", "payments.payment-validated", 3));
  }

  @Test
  void mermaidShowsServicesTypesAndGroupsWithCounts() {
    assertThat(runChoreography().toMermaid()).isEqualTo("""
        flowchart LR
          s_checkout[/"checkout"/]
          t_orders_order_created(["orders.order-created"])
          t_payments_payment_validated(["payments.payment-validated"])
          g_loyalty_service["loyalty-service"]
          g_order_service["order-service"]
          g_shipping_service["shipping-service"]
          s_checkout -- "3" --> t_payments_payment_validated
          t_orders_order_created --> g_shipping_service
          t_payments_payment_validated --> g_loyalty_service
          t_payments_payment_validated --> g_order_service
          g_order_service -- "3" --> t_orders_order_created
        """);
  }

  @Test
  void jsonCarriesTheSameEdgesForTools() throws Exception {
    JsonNode json = JSON.readTree(runChoreography().toJson());

    assertThat(json.get("types")).hasSize(2);
    assertThat(json.at("/types/1/javaType").asText()).isEqualTo(PaymentValidated.class.getName());
    assertThat(json.get("consumes")).hasSize(3);
    assertThat(json.at("/publishes/0/group").asText()).isEqualTo("order-service");
    assertThat(json.at("/publishes/0/count").asLong()).isEqualTo(3);
    assertThat(json.at("/emits/0/source").asText()).isEqualTo("checkout");
  }

  @Test
  void asyncApiDescribesChannelsOperationsAndPayloadSchemasWithEveryReferenceResolving() throws Exception {
    JsonNode doc = JSON.readTree(runChoreography().toAsyncApi());

    assertThat(doc.get("asyncapi").asText()).isEqualTo("3.0.0");
    assertThat(doc.at("/info/title").asText()).isNotEmpty();
    assertThat(doc.at("/info/version").asText()).isNotEmpty();
    assertThat(names(doc.get("channels"))).containsExactly("orders", "payments");
    assertThat(doc.at("/channels/payments/address").asText()).isEqualTo("payments");
    assertThat(names(doc.at("/channels/payments/messages"))).containsExactly("payments.payment-validated");
    assertThat(names(doc.get("operations"))).containsExactly(
        "checkout.send.payments.payment-validated",
        "loyalty-service.receive.payments.payment-validated",
        "order-service.receive.payments.payment-validated",
        "order-service.send.orders.order-created",
        "shipping-service.receive.orders.order-created");
    JsonNode receive = doc.at("/operations/order-service.receive.payments.payment-validated");
    assertThat(receive.get("action").asText()).isEqualTo("receive");
    assertThat(receive.at("/channel/$ref").asText()).isEqualTo("#/channels/payments");
    assertThat(receive.at("/messages/0/$ref").asText())
        .isEqualTo("#/channels/payments/messages/payments.payment-validated");
    assertThat(doc.at("/operations/checkout.send.payments.payment-validated/action").asText()).isEqualTo("send");

    JsonNode payment = doc.at("/components/schemas/PaymentValidated");
    assertThat(payment.get("type").asText()).isEqualTo("object");
    assertThat(payment.at("/properties/paymentId/type").asText()).isEqualTo("string");
    assertThat(payment.at("/properties/amountCents/type").asText()).isEqualTo("integer");
    assertThat(payment.at("/properties/amountCents/format").asText()).isEqualTo("int64");
    assertThat(payment.at("/properties/at/format").asText()).isEqualTo("date-time");
    assertThat(payment.at("/properties/method/enum").toString()).isEqualTo("[\"CARD\",\"INVOICE\"]");
    assertThat(payment.at("/properties/lines/type").asText()).isEqualTo("array");
    assertThat(payment.at("/properties/lines/items/$ref").asText()).isEqualTo("#/components/schemas/Line");
    assertThat(payment.at("/properties/coupon/type").asText()).isEqualTo("string");
    assertThat(payment.at("/properties/tags/additionalProperties/type").asText()).isEqualTo("integer");
    assertThat(values(payment.get("required"))).containsExactlyInAnyOrder("paymentId", "orderId", "amountCents", "at",
        "method", "lines", "tags");
    assertThat(doc.at("/components/schemas/Line/properties/quantity/type").asText()).isEqualTo("integer");

    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).hasSizeGreaterThan(10);
    for (String ref : refs) {
      assertThat(ref).startsWith("#/");
      assertThat(doc.at(ref.substring(1)).isMissingNode()).as("%s points nowhere", ref).isFalse();
    }
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> values(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (field.getKey().equals("$ref")) {
          refs.add(field.getValue().asText());
        } else {
          collectRefs(field.getValue(), refs);
        }
      }
    } else if (node.isArray()) {
      node.forEach(child -> collectRefs(child, refs));
    }
  }
}

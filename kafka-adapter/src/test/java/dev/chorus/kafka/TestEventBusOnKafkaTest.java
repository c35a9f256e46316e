package dev.chorus.kafka;

import static dev.chorus.testkit.ChorusAssertions.assertThat;

import dev.chorus.DeadLetter;
import dev.chorus.EventBus;
import dev.chorus.EventKey;
import dev.chorus.EventType;
import dev.chorus.RetryPolicy;
import dev.chorus.VirtualClock;
import dev.chorus.kafka.testkit.EmbeddedKafka;
import dev.chorus.kafka.testkit.EmbeddedKafkaExtension;
import dev.chorus.testkit.TestEventBus;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The testkit's in-memory scenario ({@code docs/testing.md}, {@code TestingGuideExamplesTest}) on
 * a real broker: the same service, the same {@code TestEventBus} assertions, only the transport
 * changes. The broker is shared by the whole run, so each test uses its own consumer group and
 * its own event values.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class TestEventBusOnKafkaTest {

  /** A payment that passed validation; its handler creates the order. */
  @EventType(value = "testkit-kafka.payment-validated", topic = "testkit-kafka.payments")
  public record PaymentValidated(@EventKey String paymentId, String orderId, long amountCents) {}

  /** Published by the order service once the order exists. */
  @EventType(value = "testkit-kafka.order-created", topic = "testkit-kafka.orders")
  public record OrderCreated(@EventKey String orderId, String paymentId) {}

  /** The inventory the order service reserves stock in; a remote call that may fail. */
  interface Inventory {
    void reserve(String orderId);
  }

  /** Creates an order for each validated payment, once the stock is reserved. */
  static final class OrderService {
    private final EventBus bus;
    private final Inventory inventory;
    private final String group;

    OrderService(EventBus bus, Inventory inventory, String group) {
      this.bus = bus;
      this.inventory = inventory;
      this.group = group;
    }

    void start() {
      bus.subscribe(PaymentValidated.class)
          .group(group)
          .retry(RetryPolicy.exponential(3, Duration.ofSeconds(10)))   // waits 10 s, then 20 s
          .handle((payment, ctx) -> {
            inventory.reserve(payment.orderId());
            ctx.publish(new OrderCreated(payment.orderId(), payment.paymentId()));
          });
    }
  }

  /** An inventory that is down for its first {@code failures} calls. */
  static final class FlakyInventory implements Inventory {
    private final AtomicInteger calls = new AtomicInteger();
    private final int failures;

    FlakyInventory(int failures) {
      this.failures = failures;
    }

    @Override
    public void reserve(String orderId) {
      if (calls.incrementAndGet() <= failures) {
        throw new IllegalStateException("inventory unavailable");
      }
    }
  }

  private final EmbeddedKafka kafka;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String group = "orders-" + run;

  TestEventBusOnKafkaTest(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  // tag::kafka[]
  @Test
  void createsTheOrderWhenTheInventoryRecoversAfterTwoFailures() {
    try (TestEventBus bus = TestEventBus.create(EventBus.builder()
        .transport(KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers()).build())
        .clock(VirtualClock.autoAdvancing()))) {
      new OrderService(bus, new FlakyInventory(2), group).start();
      PaymentValidated payment = new PaymentValidated("p1-" + run, "o1-" + run, 1999);

      bus.publish(payment);

      assertThat(bus).isIdleWithin(Duration.ofSeconds(60));
      assertThat(bus).handled(group, PaymentValidated.class).containsExactly(payment);
      assertThat(bus).retries(group).retriedWithDelays(Duration.ofSeconds(10), Duration.ofSeconds(20));
      assertThat(bus).published(OrderCreated.class).containsExactly(new OrderCreated("o1-" + run, "p1-" + run));
      assertThat(bus).publishedEvent(OrderCreated.class).causedBy(payment).hasSameCorrelationAs(payment);
      assertThat(bus).deadLetters(group).isEmpty();
      assertThat(bus).hasNoUnassertedFailures();
    }
  }
  // end::kafka[]

  @Test
  void deadLettersThePaymentWhenTheInventoryStaysDown() {
    try (TestEventBus bus = TestEventBus.create(EventBus.builder()
        .transport(KafkaTransport.builder().bootstrapServers(kafka.bootstrapServers()).build())
        .clock(VirtualClock.autoAdvancing()))) {
      new OrderService(bus, new FlakyInventory(Integer.MAX_VALUE), group).start();
      PaymentValidated payment = new PaymentValidated("p2-" + run, "o2-" + run, 500);

      bus.publish(payment);

      assertThat(bus).isIdleWithin(Duration.ofSeconds(60));
      assertThat(bus).deadLetters(group).hasSize(1)
          .first()
          .hasReason(DeadLetter.Reason.HANDLER_FAILED)
          .hasAttempts(3)
          .hasExceptionOfType(IllegalStateException.class)
          .hasMessage("inventory unavailable")
          .payload(PaymentValidated.class).isEqualTo(payment);
      assertThat(bus).handling(group, payment).hasAttempts(3)
          .retriedWithDelays(Duration.ofSeconds(10), Duration.ofSeconds(20)).isDeadLettered();
      assertThat(bus).published(OrderCreated.class).isEmpty();
      assertThat(bus).hasNoUnassertedFailures();
    }
  }
}

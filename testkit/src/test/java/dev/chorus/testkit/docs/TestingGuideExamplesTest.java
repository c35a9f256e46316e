package dev.chorus.testkit.docs;

// tag::imports[]
import static dev.chorus.testkit.ChorusAssertions.assertThat;

import dev.chorus.DeadLetter;
import dev.chorus.EventBus;
import dev.chorus.EventKey;
import dev.chorus.EventType;
import dev.chorus.RetryPolicy;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.testkit.ChorusTest;
import dev.chorus.testkit.TestEventBus;
import dev.chorus.testkit.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
// end::imports[]
import org.junit.jupiter.api.Nested;

/**
 * Every example of {@code docs/testing.md}, compiled and run. Each example sits between
 * {@code tag::name[]} and {@code end::name[]} markers; {@link TestingGuideTest} checks that every
 * Java block of the page appears in one of them.
 */
class TestingGuideExamplesTest {

  // tag::events[]
  /** A payment that passed validation; its handler creates the order. */
  @EventType(value = "shop.payment-validated", topic = "shop.payments")
  public record PaymentValidated(@EventKey String paymentId, String orderId, long amountCents) {}

  /** Published by the order service once the order exists. */
  @EventType(value = "shop.order-created", topic = "shop.orders")
  public record OrderCreated(@EventKey String orderId, String paymentId) {}
  // end::events[]

  /** The inventory the order service reserves stock in; a remote call that may fail. */
  interface Inventory {
    void reserve(String orderId);
  }

  // tag::service[]
  /** Creates an order for each validated payment, once the stock is reserved. */
  static final class OrderService {
    private final EventBus bus;
    private final Inventory inventory;

    OrderService(EventBus bus, Inventory inventory) {
      this.bus = bus;
      this.inventory = inventory;
    }

    void start() {
      bus.subscribe(PaymentValidated.class)
          .group("orders")
          .retry(RetryPolicy.exponential(3, Duration.ofSeconds(10)))   // waits 10 s, then 20 s
          .handle((payment, ctx) -> {
            inventory.reserve(payment.orderId());
            ctx.publish(new OrderCreated(payment.orderId(), payment.paymentId()));
          });
    }
  }
  // end::service[]

  // tag::flaky-inventory[]
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
  // end::flaky-inventory[]

  @Nested
  // tag::first-test[]
  @ChorusTest
  class OrderServiceTest {

    @Test
    void createsTheOrderWhenTheInventoryRecoversAfterTwoFailures(TestEventBus bus) {
      new OrderService(bus, new FlakyInventory(2)).start();
      PaymentValidated payment = new PaymentValidated("p1", "o1", 1999);

      bus.publish(payment);

      assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
      assertThat(bus).handled("orders", PaymentValidated.class).containsExactly(payment);
      assertThat(bus).retries("orders").retriedWithDelays(Duration.ofSeconds(10), Duration.ofSeconds(20));
      assertThat(bus).published(OrderCreated.class).containsExactly(new OrderCreated("o1", "p1"));
      assertThat(bus).deadLetters("orders").isEmpty();
    }
  }
  // end::first-test[]

  @Nested
  @ChorusTest
  class Assertions {

    // tag::dead-letters[]
    @Test
    void deadLettersThePaymentWhenTheInventoryStaysDown(TestEventBus bus) {
      new OrderService(bus, new FlakyInventory(Integer.MAX_VALUE)).start();
      PaymentValidated payment = new PaymentValidated("p2", "o2", 500);

      bus.publish(payment);

      assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
      assertThat(bus).deadLetters("orders").hasSize(1)
          .first()
          .hasReason(DeadLetter.Reason.HANDLER_FAILED)
          .hasAttempts(3)
          .hasExceptionOfType(IllegalStateException.class)
          .hasMessage("inventory unavailable")
          .payload(PaymentValidated.class).isEqualTo(payment);
      assertThat(bus).published(OrderCreated.class).isEmpty();
    }
    // end::dead-letters[]

    // tag::handling[]
    @Test
    void triesThreeTimesWithTheBackoffOfThePolicy(TestEventBus bus) {
      new OrderService(bus, new FlakyInventory(2)).start();
      PaymentValidated payment = new PaymentValidated("p3", "o3", 700);

      bus.publish(payment);

      assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
      assertThat(bus).handling("orders", payment)
          .hasAttempts(3)
          .retriedWithDelays(Duration.ofSeconds(10), Duration.ofSeconds(20))
          .isHandled();
      assertThat(bus).handling("orders", payment).failures()
          .extracting(Throwable::getMessage)
          .containsExactly("inventory unavailable", "inventory unavailable");
    }
    // end::handling[]

    // tag::chains[]
    @Test
    void theOrderBelongsToThePaymentsChain(TestEventBus bus) {
      new OrderService(bus, new FlakyInventory(0)).start();
      PaymentValidated payment = new PaymentValidated("p4", "o4", 1200);

      bus.publish(payment);

      assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
      assertThat(bus).publishedEvent(PaymentValidated.class).hasNoCause().hasKey("p4");
      assertThat(bus).publishedEvent(OrderCreated.class)
          .isEqualTo(new OrderCreated("o4", "p4"))
          .wasPublishedByGroup("orders")
          .causedBy(payment)
          .hasSameCorrelationAs(payment);
    }
    // end::chains[]
  }

  @Nested
  @ChorusTest
  class Time {

    // tag::auto-time[]
    @Test
    void aBackoffOfMinutesTakesNoTime(TestEventBus bus, VirtualClock clock) {
      List<Instant> attemptTimes = new CopyOnWriteArrayList<>();
      bus.subscribe(PaymentValidated.class)
          .group("slow-retries")
          .retry(RetryPolicy.exponential(3, Duration.ofMinutes(5)).maxDelay(Duration.ofHours(1)))
          .handle((payment, ctx) -> {
            attemptTimes.add(clock.instant());
            if (ctx.attempt() < 3) {
              throw new IllegalStateException("not yet");
            }
          });
      Instant start = clock.instant();

      bus.publish(new PaymentValidated("p5", "o5", 100));

      assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
      assertThat(bus).retries("slow-retries").retriedWithDelays(Duration.ofMinutes(5), Duration.ofMinutes(10));
      assertThat(attemptTimes).containsExactly(start, start.plus(Duration.ofMinutes(5)),
          start.plus(Duration.ofMinutes(15)));
    }
    // end::auto-time[]

    // tag::manual-time[]
    @Test
    @ChorusTest(time = VirtualTime.MANUAL)
    void waitsTheWholeBackoffBeforeTheNextAttempt(TestEventBus bus) {
      new OrderService(bus, new FlakyInventory(1)).start();
      PaymentValidated payment = new PaymentValidated("p6", "o6", 300);

      bus.publish(payment);

      assertThat(bus.awaitAttempts("orders", payment, 1, Duration.ofSeconds(5))).isTrue();
      assertThat(bus).handling("orders", payment).hasAttempts(1).isWaitingForRetry();

      bus.advance(Duration.ofSeconds(9));                  // a second early: nothing happens
      assertThat(bus).handling("orders", payment).hasAttempts(1).isWaitingForRetry();
      assertThat(bus).published(OrderCreated.class).isEmpty();

      bus.advance(Duration.ofSeconds(1));                  // due: the second attempt runs
      assertThat(bus.awaitAttempts("orders", payment, 2, Duration.ofSeconds(5))).isTrue();
      assertThat(bus).handling("orders", payment).hasAttempts(2).isHandled();
      assertThat(bus).published(OrderCreated.class).containsExactly(new OrderCreated("o6", "p6"));
    }
    // end::manual-time[]
  }

  @Nested
  class WithoutTheExtension {

    // tag::without-extension[]
    @Test
    void createsTheOrder() {
      try (TestEventBus bus = TestEventBus.create(EventBus.builder()
          .transport(InMemoryTransport.create())
          .clock(VirtualClock.autoAdvancing()))) {
        new OrderService(bus, new FlakyInventory(2)).start();
        PaymentValidated payment = new PaymentValidated("p7", "o7", 900);

        bus.publish(payment);

        assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
        assertThat(bus).handled("orders", PaymentValidated.class).containsExactly(payment);
        assertThat(bus).retries("orders").retriedWithDelays(Duration.ofSeconds(10), Duration.ofSeconds(20));
        assertThat(bus).hasNoUnassertedFailures();
      }
    }
    // end::without-extension[]
  }
}

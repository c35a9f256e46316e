package dev.chorus.testkit;

import static dev.chorus.testkit.ChorusAssertions.assertThat;
import static dev.chorus.testkit.ChorusAssertions.assertThatCode;
import static dev.chorus.testkit.ChorusAssertions.assertThatThrownBy;
import static dev.chorus.testkit.Shop.payment;

import dev.chorus.DeadLetter;
import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBus;
import dev.chorus.NonRetryableException;
import dev.chorus.RetryPolicy;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.testkit.Shop.FlakyInventory;
import dev.chorus.testkit.Shop.InvoiceSent;
import dev.chorus.testkit.Shop.OrderCreated;
import dev.chorus.testkit.Shop.PaymentAudited;
import dev.chorus.testkit.Shop.PaymentValidated;
import dev.chorus.testkit.Shop.Unserializable;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The assertions of {@link ChorusAssertions}: what they accept, and what their failures say. */
@ChorusTest
class ChorusAssertionsTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** What the bus records when the order service handles payment 1 at the third attempt. */
  private static final String RECOVERED = "; the bus recorded:\n"
      + "  published: [PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000], "
      + "OrderCreated[orderId=o1, paymentId=p1]]\n"
      + "  handled by group: {orders=[PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000]]}\n"
      + "  retries by group: {orders=[PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000]: attempt 1 "
      + "failed (IllegalStateException: inventory unavailable), retry after 10s, "
      + "PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000]: attempt 2 failed (IllegalStateException: "
      + "inventory unavailable), retry after 20s]}\n"
      + "  dead letters by group: {}";

  private static void recoverAtTheThirdAttempt(TestEventBus bus) {
    Shop.orderService(bus, new FlakyInventory(2), Shop.tenSecondBackoff());
    bus.publish(payment("1"));
    assertThat(bus).isIdleWithin(TIMEOUT);
  }

  private static void neverRecover(TestEventBus bus) {
    Shop.orderService(bus, new FlakyInventory(Integer.MAX_VALUE), RetryPolicy.exponential(3, Duration.ofMillis(100)));
    bus.publish(payment("1"));
    assertThat(bus).isIdleWithin(TIMEOUT);
  }

  // ---------------------------------------------------------------- what passes

  @Test
  void aRecoveredEventReadsAsHandledAfterTwoRetries(TestEventBus bus) {
    recoverAtTheThirdAttempt(bus);

    assertThat(bus).handled("orders", PaymentValidated.class).containsExactly(payment("1"));
    assertThat(bus).retries("orders").hasSize(2)
        .retriedWithDelays(Duration.ofSeconds(10), Duration.ofSeconds(20));
    assertThat(bus).retries("orders").causes().extracting(Throwable::getMessage)
        .containsExactly("inventory unavailable", "inventory unavailable");
    assertThat(bus).handling("orders", payment("1")).hasAttempts(3)
        .retriedWithDelays(Duration.ofSeconds(10), Duration.ofSeconds(20)).isHandled();
    assertThat(bus).published(PaymentValidated.class).containsExactly(payment("1"));
    assertThat(bus).published(Object.class).hasSize(2);
    assertThat(bus).deadLetters("orders").isEmpty();
    assertThat(bus).hasNoFailures();
  }

  @Test
  void aDeadLetterIsCheckedForReasonAttemptsExceptionKeyAndPayload(TestEventBus bus) {
    neverRecover(bus);

    assertThat(bus).deadLetters("orders").hasSize(1).singleElement()
        .hasReason(DeadLetter.Reason.HANDLER_FAILED)
        .hasAttempts(3)
        .hasExceptionOfType(IllegalStateException.class)
        .hasMessage("inventory unavailable")
        .hasMessageContaining("unavailable")
        .hasKey("p1")
        .payload(PaymentValidated.class).isEqualTo(payment("1"));
    assertThat(bus).handling("orders", payment("1")).hasAttempts(3).isDeadLettered()
        .retriedWithDelays(Duration.ofMillis(100), Duration.ofMillis(200))
        .deadLetter().hasReason(DeadLetter.Reason.HANDLER_FAILED);
    assertThat(bus.deadLetters()).singleElement()
        .satisfies(letter -> assertThat(letter).hasAttempts(3));
  }

  @Test
  void discardsAndStoppedSubscriptionsHaveTheirOwnEntryPoints(TestEventBus bus) {
    bus.subscribe(PaymentValidated.class).group("dropped").deadLetter(DeadLetterPolicy.discard())
        .handle((payment, ctx) -> {
          throw new NonRetryableException("rejected");
        });
    bus.subscribe(PaymentValidated.class).group("stopped").deadLetter(DeadLetterPolicy.stopSubscription())
        .handle((payment, ctx) -> {
          throw new NonRetryableException("rejected");
        });

    bus.publish(payment("1"));

    assertThat(bus).isIdleWithin(TIMEOUT);
    // awaitIdle ignores a stopped subscription, which may stop just before its listener call
    assertThat(bus.awaitAttempts("stopped", payment("1"), 1, TIMEOUT)).isTrue();
    assertThat(bus).discarded("dropped").singleElement().hasReason(DeadLetter.Reason.NON_RETRYABLE).hasAttempts(1);
    assertThat(bus).subscriptionFailures("stopped").singleElement().hasReason(DeadLetter.Reason.NON_RETRYABLE);
    assertThat(bus).deadLetters("dropped").isEmpty();
    assertThat(bus).handling("dropped", payment("1")).isDiscarded();
  }

  @Test
  void aChainOfThreeEventsSharesOneCorrelationAndLinksEachToItsCause(TestEventBus bus) {
    Shop.orderService(bus, new FlakyInventory(0), RetryPolicy.none());
    bus.subscribe(OrderCreated.class).group("billing")
        .handle((order, ctx) -> ctx.publish(new InvoiceSent(order.orderId())));

    bus.publish(payment("1"));

    assertThat(bus).isIdleWithin(TIMEOUT);
    assertThat(bus).publishedEvent(PaymentValidated.class).hasNoCause();
    assertThat(bus).publishedEvent(OrderCreated.class).causedBy(payment("1")).hasSameCorrelationAs(payment("1"))
        .wasPublishedByGroup("orders");
    assertThat(bus).publishedEvent(InvoiceSent.class).isEqualTo(new InvoiceSent("o1"))
        .causedBy(new OrderCreated("o1", "p1")).hasSameCorrelationAs(payment("1")).hasKey("o1")
        .wasPublishedByGroup("billing");
  }

  @Test
  void skippedRecordsAndPublishFailuresCanBeAssertedOn(TestEventBus bus) {
    bus.subscribe("payments", PaymentValidated.class, (payment, ctx) -> {});

    bus.publish(new PaymentAudited("p1"));
    bus.publish(new Unserializable());

    assertThat(bus).isIdleWithin(TIMEOUT);
    assertThat(bus).skipped("payments").extracting(skipped -> skipped.metadata().type())
        .containsExactly("shop.payment-audited");
    assertThat(bus).publishFailures().singleElement()
        .satisfies(failed -> assertThat(failed.event()).isInstanceOf(Unserializable.class));
  }

  // ---------------------------------------------------------------- what failures say

  @Test
  void aMissingDeadLetterShowsWhatTheBusHandledRetriedAndPublished(TestEventBus bus) {
    recoverAtTheThirdAttempt(bus);

    assertThatThrownBy(() -> assertThat(bus).deadLetters("orders").hasSize(1))
        .hasMessage("expected 1 dead letter in group orders but found 0" + RECOVERED);
  }

  @Test
  void unexpectedDelaysAreShownNextToTheExpectedOnes(TestEventBus bus) {
    recoverAtTheThirdAttempt(bus);

    assertThatThrownBy(() -> assertThat(bus).retries("orders")
        .retriedWithDelays(Duration.ofMillis(100), Duration.ofMillis(200)))
        .hasMessage("expected the retries in group orders to have delays [100ms, 200ms] but they had [10s, 20s]"
            + RECOVERED);
  }

  @Test
  void aHandlingFailureTellsTheStoryOfEveryAttempt(TestEventBus bus) {
    neverRecover(bus);

    assertThatThrownBy(() -> assertThat(bus).handling("orders", payment("1")).isHandled())
        .hasMessage("expected PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000] to have been handled in "
            + "group orders but it was dead-lettered: attempt 1 failed (IllegalStateException: inventory "
            + "unavailable), retry after 100ms; attempt 2 failed (IllegalStateException: inventory unavailable), "
            + "retry after 200ms; attempt 3 failed (IllegalStateException: inventory unavailable); dead-lettered "
            + "(HANDLER_FAILED after 3 attempt(s): java.lang.IllegalStateException: inventory unavailable)");
    assertThatThrownBy(() -> assertThat(bus).handling("orders", payment("1")).hasAttempts(2))
        .hasMessageStartingWith("expected PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000] to have "
            + "been attempted 2 times in group orders but it was attempted 3 times: attempt 1 failed");
  }

  @Test
  void aDeadLetterWithAnotherReasonSaysWhichAndWhy(TestEventBus bus) {
    neverRecover(bus);

    assertThatThrownBy(() -> assertThat(bus).deadLetters("orders").first().hasReason(DeadLetter.Reason.NON_RETRYABLE))
        .hasMessageEndingWith("expected the dead letter of shop.payment-validated with key p1 in group orders to "
            + "have reason NON_RETRYABLE but it had HANDLER_FAILED (HANDLER_FAILED after 3 attempt(s): "
            + "java.lang.IllegalStateException: inventory unavailable)");
  }

  @Test
  void anEventPublishedDirectlyHasNoCause(TestEventBus bus) {
    bus.publish(payment("1")).join();
    bus.publish(new OrderCreated("o1", "p1")).join();

    assertThatThrownBy(() -> assertThat(bus).publishedEvent(OrderCreated.class).causedBy(payment("1")))
        .hasMessage("expected OrderCreated[orderId=o1, paymentId=p1] to have been caused by "
            + "PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000] but it has no cause: it was published "
            + "directly, not through a handler's EventContext");
  }

  @Test
  void anEventCausedByAnotherLinkOfTheChainNamesThatLink(TestEventBus bus) {
    Shop.orderService(bus, new FlakyInventory(0), RetryPolicy.none());
    bus.subscribe(OrderCreated.class).group("billing")
        .handle((order, ctx) -> ctx.publish(new InvoiceSent(order.orderId())));

    bus.publish(payment("1"));

    assertThat(bus).isIdleWithin(TIMEOUT);
    assertThatThrownBy(() -> assertThat(bus).publishedEvent(InvoiceSent.class).causedBy(payment("1")))
        .hasMessage("expected InvoiceSent[orderId=o1] to have been caused by PaymentValidated[paymentId=p1, "
            + "orderId=o1, amountCents=1000] but it was caused by OrderCreated[orderId=o1, paymentId=p1]");
  }

  @Test
  void aSingleEventIsRequiredWhereOneIsNamed(TestEventBus bus) {
    bus.publish(payment("1")).join();
    bus.publish(payment("2")).join();

    assertThatThrownBy(() -> assertThat(bus).publishedEvent(PaymentValidated.class))
        .hasMessage("expected exactly one published PaymentValidated but found 2: [PaymentValidated[paymentId=p1, "
            + "orderId=o1, amountCents=1000], PaymentValidated[paymentId=p2, orderId=o2, amountCents=1000]]; the bus "
            + "recorded:\n"
            + "  published: [PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000], "
            + "PaymentValidated[paymentId=p2, orderId=o2, amountCents=1000]]\n"
            + "  handled by group: {}\n"
            + "  retries by group: {}\n"
            + "  dead letters by group: {}");
  }

  @Test
  void aGroupWithoutSubscriptionIsNamedWithTheGroupsThatExist(TestEventBus bus) {
    Shop.orderService(bus, new FlakyInventory(0), RetryPolicy.none());

    assertThatThrownBy(() -> assertThat(bus).handled("order", PaymentValidated.class))
        .hasMessage("expected a subscription in group order but this bus has none; its groups: [orders]");
  }

  @Test
  void anEventTheGroupNeverReceivedIsReportedWithWhatItDidReceive(TestEventBus bus) {
    recoverAtTheThirdAttempt(bus);

    assertThatThrownBy(() -> assertThat(bus).handling("orders", payment("9")))
        .hasMessage("expected PaymentValidated[paymentId=p9, orderId=o9, amountCents=1000] to have been delivered "
            + "to group orders but it was not" + RECOVERED);
  }

  @Test
  void aListAssertionOnPublishedEventsDescribesTheBus(TestEventBus bus) {
    recoverAtTheThirdAttempt(bus);

    assertThatThrownBy(() -> assertThat(bus).published(InvoiceSent.class).hasSize(1))
        .hasMessageStartingWith("[InvoiceSent events published" + RECOVERED + "] \n")
        .hasMessageContaining("Expected size: 1 but was: 0");
  }

  @Test
  @ChorusTest(time = VirtualTime.MANUAL)
  void isIdleWithinFailsWhileARetryWaitsForTheClock(TestEventBus bus) {
    Shop.orderService(bus, new FlakyInventory(1), Shop.tenSecondBackoff());
    bus.publish(payment("1"));
    assertThat(bus.awaitAttempts("orders", payment("1"), 1, TIMEOUT)).isTrue();

    assertThatThrownBy(() -> assertThat(bus).isIdleWithin(Duration.ofMillis(50)))
        .hasMessage("expected the bus to be idle within 50ms but it was not; the bus recorded:\n"
            + "  published: [PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000]]\n"
            + "  handled by group: {}\n"
            + "  retries by group: {orders=[PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000]: attempt 1 "
            + "failed (IllegalStateException: inventory unavailable), retry after 10s]}\n"
            + "  dead letters by group: {}\n"
            + "  not finished: [orders: PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000] (waiting for "
            + "attempt 2)]");
    assertThat(bus).handling("orders", payment("1")).isWaitingForRetry();
  }

  // ---------------------------------------------------------------- failures nobody looked at

  @Test
  void failuresNobodyLookedAtAreListedOneByOneUntilAssertedOn() {
    VirtualClock clock = VirtualClock.create();
    try (TestEventBus bus = TestEventBus.create(EventBus.builder().transport(InMemoryTransport.create()), clock)) {
      bus.subscribe(PaymentValidated.class).group("orders").retry(RetryPolicy.none()).handle((payment, ctx) -> {
        throw new IllegalStateException("inventory unavailable");
      });
      bus.subscribe(PaymentValidated.class).group("slow").retry(Shop.tenSecondBackoff()).handle((payment, ctx) -> {
        throw new IllegalStateException("try later");
      });
      bus.publish(new Unserializable()); // fails at once, so it is the first failure recorded
      bus.publish(payment("1"));
      assertThat(bus.awaitAttempts("orders", payment("1"), 1, TIMEOUT)).isTrue();
      assertThat(bus.awaitAttempts("slow", payment("1"), 1, TIMEOUT)).isTrue();

      assertThatThrownBy(() -> assertThat(bus).hasNoUnassertedFailures())
          .hasMessage("the bus recorded 3 failures that no assertion looked at:\n"
              + "  - publish failed: Unserializable[] (type shop.broken, key null) to topic shop.broken: "
              + "ChorusException: cannot encode dev.chorus.testkit.Shop$Unserializable as JSON: cannot serialize me "
              + "(through reference chain: dev.chorus.testkit.Shop$Unserializable[\"value\"])\n"
              + "  - dead-lettered in group orders: PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000] "
              + "(type shop.payment-validated, key p1), HANDLER_FAILED after 1 attempt(s): "
              + "java.lang.IllegalStateException: inventory unavailable\n"
              + "  - waiting for a retry in group slow: PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000] "
              + "(type shop.payment-validated, key p1), attempt 1 failed: IllegalStateException: try later\n"
              + "Assert on them (for example assertThat(bus).deadLetters(group), .handling(group, event) or "
              + ".publishFailures()) or turn the check off with @ChorusTest(failOnUnassertedFailures = false).");

      assertThat(bus).deadLetters("orders").hasSize(1);
      assertThat(bus).publishFailures().hasSize(1);
      assertThatThrownBy(() -> assertThat(bus).hasNoUnassertedFailures())
          .hasMessageStartingWith("the bus recorded 1 failure that no assertion looked at:\n"
              + "  - waiting for a retry in group slow:");

      assertThat(bus).handling("slow", payment("1")).isWaitingForRetry();
      assertThatCode(() -> assertThat(bus).hasNoUnassertedFailures()).doesNotThrowAnyException();
      assertThatThrownBy(() -> assertThat(bus).hasNoFailures())
          .hasMessageStartingWith("expected no failures but found 3:\n  - publish failed: Unserializable[]");
    }
  }
}

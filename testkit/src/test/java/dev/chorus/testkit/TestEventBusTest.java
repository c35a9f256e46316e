package dev.chorus.testkit;

import static dev.chorus.testkit.ChorusAssertions.assertThat;
import static dev.chorus.testkit.ChorusAssertions.assertThatIllegalStateException;
import static dev.chorus.testkit.ChorusAssertions.assertThatThrownBy;
import static dev.chorus.testkit.Shop.payment;

import dev.chorus.DeadLetter;
import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBus;
import dev.chorus.PublishException;
import dev.chorus.PublishOptions;
import dev.chorus.PublishReceipt;
import dev.chorus.RetryPolicy;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.testkit.Shop.FlakyInventory;
import dev.chorus.testkit.Shop.OrderCreated;
import dev.chorus.testkit.Shop.PaymentAudited;
import dev.chorus.testkit.Shop.PaymentValidated;
import dev.chorus.testkit.Shop.Unserializable;
import dev.chorus.testkit.TestEventBus.HandlingAttempt;
import dev.chorus.testkit.TestEventBus.HandlingAttempt.Outcome;
import dev.chorus.testkit.TestEventBus.PublishedEvent;
import dev.chorus.testkit.TestEventBus.ScheduledRetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** What a {@link TestEventBus} records, read through its accessors. */
@ChorusTest
class TestEventBusTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @Test
  void recordsAPublishedEventWithTheMetadataAndReceiptTheTransportAcknowledged(TestEventBus bus,
      InMemoryTransport transport) {
    PaymentValidated payment = payment("1");

    PublishReceipt receipt = bus.publish(payment, PublishOptions.key("k1").header("tenant", "acme")).join();

    assertThat(bus.published()).hasSize(1);
    PublishedEvent published = bus.published().get(0);
    assertThat(published.event()).isSameAs(payment);
    assertThat(published.receipt()).isEqualTo(receipt);
    assertThat(published.group()).isNull();
    assertThat(published.metadata().id()).isEqualTo(receipt.eventId());
    assertThat(published.metadata().type()).isEqualTo("shop.payment-validated");
    assertThat(published.metadata().key()).isEqualTo("k1");
    assertThat(published.metadata().headers()).containsExactlyEntriesOf(Map.of("tenant", "acme"));
    assertThat(published.metadata().causationId()).isNull();
    assertThat(transport.records("shop.payments")).hasSize(1);
  }

  @Test
  void recordsFollowUpEventsWithTheGroupThatPublishedThemAndTheirPlaceInTheChain(TestEventBus bus) {
    Shop.orderService(bus, new FlakyInventory(0), RetryPolicy.none());

    bus.publish(payment("1"));

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    List<PublishedEvent> published = bus.published();
    assertThat(published).extracting(PublishedEvent::event)
        .containsExactly(payment("1"), new OrderCreated("o1", "p1"));
    assertThat(published).extracting(PublishedEvent::group).containsExactly(null, "orders");
    assertThat(published.get(1).metadata().causationId()).isEqualTo(published.get(0).metadata().id());
    assertThat(published.get(1).metadata().correlationId()).isEqualTo(published.get(0).metadata().id());
  }

  @Test
  void recordsEveryAttemptWithItsOutcomeAndWhatTheHandlerThrew(TestEventBus bus) {
    List<RuntimeException> thrown = List.of(new IllegalStateException("down 1"), new IllegalStateException("down 2"));
    bus.subscribe(PaymentValidated.class).group("orders").retry(Shop.tenSecondBackoff()).handle((payment, ctx) -> {
      if (ctx.attempt() <= thrown.size()) {
        throw thrown.get(ctx.attempt() - 1);
      }
    });

    bus.publish(payment("1"));

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    List<HandlingAttempt> attempts = bus.attempts();
    assertThat(attempts).extracting(HandlingAttempt::group, HandlingAttempt::event, HandlingAttempt::attempt,
        HandlingAttempt::outcome, HandlingAttempt::failure).containsExactly(
            ChorusAssertions.tuple("orders", payment("1"), 1, Outcome.FAILED, thrown.get(0)),
            ChorusAssertions.tuple("orders", payment("1"), 2, Outcome.FAILED, thrown.get(1)),
            ChorusAssertions.tuple("orders", payment("1"), 3, Outcome.SUCCEEDED, null));
    assertThat(attempts).extracting(attempt -> attempt.metadata().id()).containsOnly(bus.published().get(0)
        .metadata().id());
  }

  @Test
  void recordsEachRetryWithTheDelayTheEngineAppliedAndItsCause(TestEventBus bus) {
    FlakyInventory inventory = new FlakyInventory(2);
    Shop.orderService(bus, inventory, Shop.tenSecondBackoff());

    bus.publish(payment("1"));

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(bus.retries()).extracting(ScheduledRetry::group, ScheduledRetry::event, ScheduledRetry::failedAttempt,
        ScheduledRetry::delay, retry -> retry.cause().getMessage()).containsExactly(
            ChorusAssertions.tuple("orders", payment("1"), 1, Duration.ofSeconds(10), "inventory unavailable"),
            ChorusAssertions.tuple("orders", payment("1"), 2, Duration.ofSeconds(20), "inventory unavailable"));
    assertThat(inventory.calls()).isEqualTo(3);
  }

  @Test
  void recordsDeadLettersDiscardsAndStoppedSubscriptionsApart(TestEventBus bus) {
    for (String group : List.of("written", "dropped", "stopped")) {
      DeadLetterPolicy policy = switch (group) {
        case "written" -> DeadLetterPolicy.deadLetterTopic();
        case "dropped" -> DeadLetterPolicy.discard();
        default -> DeadLetterPolicy.stopSubscription();
      };
      bus.subscribe(PaymentValidated.class).group(group).retry(RetryPolicy.none()).deadLetter(policy)
          .handle((payment, ctx) -> {
            throw new IllegalStateException("fails in " + ctx.group());
          });
    }

    bus.publish(payment("1"));

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    // awaitIdle ignores a stopped subscription, which may stop just before its listener call
    assertThat(bus.awaitAttempts("stopped", payment("1"), 1, TIMEOUT)).isTrue();
    assertThat(bus.deadLetters()).extracting(DeadLetter::group, letter -> letter.failure().message())
        .containsExactly(ChorusAssertions.tuple("written", "fails in written"));
    assertThat(bus.discarded()).extracting(DeadLetter::group, letter -> letter.failure().message())
        .containsExactly(ChorusAssertions.tuple("dropped", "fails in dropped"));
    assertThat(bus.subscriptionFailures()).extracting(DeadLetter::group, letter -> letter.failure().message())
        .containsExactly(ChorusAssertions.tuple("stopped", "fails in stopped"));
    assertThat(bus.attempts()).extracting(HandlingAttempt::outcome).containsOnly(Outcome.FAILED).hasSize(3);
  }

  @Test
  void recordsAFailedPublishAndFailsTheCallersFutureWithTheSameException(TestEventBus bus) {
    Unserializable broken = new Unserializable();

    CompletableFuture<PublishReceipt> future = bus.publish(broken);

    assertThatThrownBy(future::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(PublishException.class);
    Throwable failure = future.handle((receipt, error) -> error).join();
    assertThat(bus.publishFailures()).singleElement().satisfies(failed -> {
      assertThat(failed.event()).isSameAs(broken);
      assertThat(failed.failure()).isSameAs(failure);
      assertThat(failed.topic()).isEqualTo("shop.broken");
      assertThat(failed.metadata().type()).isEqualTo("shop.broken");
    });
    assertThat(bus.published()).isEmpty();
  }

  @Test
  void doesNotRecordAPublishTheBusRefusesOutright(TestEventBus bus) {
    bus.close();

    assertThatIllegalStateException().isThrownBy(() -> bus.publish(payment("1")));

    assertThat(bus.published()).isEmpty();
    assertThat(bus.publishFailures()).isEmpty();
  }

  @Test
  void recordsTheRecordsASubscriptionSkipped(TestEventBus bus) {
    bus.subscribe("payments", PaymentValidated.class, (payment, ctx) -> {});

    bus.publish(new PaymentAudited("p1"));

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(bus.skipped()).singleElement().satisfies(skipped -> {
      assertThat(skipped.group()).isEqualTo("payments");
      assertThat(skipped.metadata().type()).isEqualTo("shop.payment-audited");
      assertThat(skipped.reason()).isEqualTo("type 'shop.payment-audited' is not subscribed");
    });
  }

  @Test
  void recordsEveryAttemptOfHandlersRunningOnManyThreads(TestEventBus bus) {
    bus.subscribe(PaymentValidated.class).group("orders").concurrency(8)
        .retry(RetryPolicy.fixed(2, Duration.ofSeconds(1))).handle((payment, ctx) -> {
          if (payment.amountCents() % 10 == 0 && ctx.attempt() == 1) {
            throw new IllegalStateException("first attempt of every tenth payment fails");
          }
        });
    Map<String, List<PaymentValidated>> publishedByKey = new LinkedHashMap<>();
    for (int i = 0; i < 400; i++) {
      PaymentValidated payment = new PaymentValidated("key-" + i % 40, "o" + i, i);
      publishedByKey.computeIfAbsent(payment.paymentId(), key -> new ArrayList<>()).add(payment);
      bus.publish(payment);
    }

    assertThat(bus.awaitIdle(TIMEOUT)).isTrue();
    assertThat(bus.attempts()).hasSize(440);
    assertThat(bus.retries()).hasSize(40);
    List<PaymentValidated> handled = bus.attempts().stream().filter(a -> a.outcome() == Outcome.SUCCEEDED)
        .map(a -> (PaymentValidated) a.event()).toList();
    assertThat(handled).hasSize(400);
    publishedByKey.forEach((key, payments) -> assertThat(handled.stream().filter(p -> p.paymentId().equals(key)))
        .as("handled in publish order for key %s", key).containsExactlyElementsOf(payments));
  }

  @Test
  void knowsTheClockItWasCreatedWith(TestEventBus bus, VirtualClock clock) {
    assertThat(bus.clock()).containsSame(clock);
  }

  @Test
  void withoutAKnownClockRefusesToAdvanceTime() {
    try (TestEventBus bus = TestEventBus.create(EventBus.builder().transport(InMemoryTransport.create())
        .clock(VirtualClock.create()))) {
      assertThat(bus.clock()).isEmpty();
      assertThatIllegalStateException().isThrownBy(() -> bus.advance(Duration.ofSeconds(1)))
          .withMessage("this TestEventBus does not know its clock: create it with "
              + "TestEventBus.create(builder, VirtualClock.create()) or use @ChorusTest(time = VirtualTime.MANUAL)");
    }
  }

  @Test
  @ChorusTest(time = VirtualTime.MANUAL)
  void awaitAttemptsReturnsFalseWhenTheAttemptsDoNotFinishInTime(TestEventBus bus) {
    Shop.orderService(bus, new FlakyInventory(1), Shop.tenSecondBackoff());

    bus.publish(payment("1"));

    assertThat(bus.awaitAttempts("orders", payment("1"), 1, TIMEOUT)).isTrue();
    assertThat(bus.awaitAttempts("orders", payment("1"), 2, Duration.ofMillis(50))).isFalse();
    bus.advance(Duration.ofSeconds(10));
    assertThat(bus.awaitAttempts("orders", payment("1"), 2, TIMEOUT)).isTrue();
    assertThat(bus).handling("orders", payment("1")).hasAttempts(2).isHandled();
  }
}

package dev.chorus.testkit;

import static dev.chorus.testkit.ChorusAssertions.assertThat;
import static dev.chorus.testkit.Shop.payment;

import dev.chorus.DeadLetter;
import dev.chorus.RetryPolicy;
import dev.chorus.VirtualClock;
import dev.chorus.testkit.Shop.OrderCreated;
import dev.chorus.testkit.Shop.PaymentValidated;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Backoff on the virtual clocks of {@link ChorusTest}: instant with AUTO, stepped by the test with MANUAL. */
class VirtualTimeTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  /** Subscribes group "orders" with a handler that fails while {@code fails} says so, recording attempt times. */
  private static List<Instant> subscribe(TestEventBus bus, VirtualClock clock, RetryPolicy retry,
      java.util.function.BiPredicate<PaymentValidated, Integer> fails) {
    List<Instant> times = new CopyOnWriteArrayList<>();
    bus.subscribe(PaymentValidated.class).group("orders").retry(retry).handle((payment, ctx) -> {
      times.add(clock.instant());
      if (fails.test(payment, ctx.attempt())) {
        throw new IllegalStateException("attempt " + ctx.attempt() + " fails");
      }
      ctx.publish(new OrderCreated(payment.orderId(), payment.paymentId()));
    });
    return times;
  }

  @Test
  @ChorusTest(time = VirtualTime.AUTO)
  void autoTimeRunsTwoAndAHalfHoursOfBackoffAtOnceAndTheDeadLetterShowsThem(TestEventBus bus, VirtualClock clock) {
    RetryPolicy retry = RetryPolicy.exponential(5, Duration.ofMinutes(10)).maxDelay(Duration.ofHours(2));
    List<Instant> times = subscribe(bus, clock, retry, (payment, attempt) -> true);

    bus.publish(payment("1"));

    assertThat(bus).isIdleWithin(TIMEOUT);
    assertThat(bus).retries("orders").retriedWithDelays(Duration.ofMinutes(10), Duration.ofMinutes(20),
        Duration.ofMinutes(40), Duration.ofMinutes(80));
    assertThat(times).containsExactly(START, START.plusSeconds(600), START.plusSeconds(1800), START.plusSeconds(4200),
        START.plusSeconds(9000));
    assertThat(bus).deadLetters("orders").singleElement().hasAttempts(5).satisfies(letter -> {
      assertThat(letter.failure().firstFailure()).isEqualTo(START);
      assertThat(letter.failure().lastFailure()).isEqualTo(START.plus(Duration.ofMinutes(150)));
    });
  }

  @Test
  @ChorusTest(time = VirtualTime.MANUAL)
  void manualTimeHoldsEachRetryUntilTheTestMovesTimeToIt(TestEventBus bus, VirtualClock clock) {
    List<Instant> times = subscribe(bus, clock, Shop.tenSecondBackoff(), (payment, attempt) -> true);

    bus.publish(payment("1"));

    assertThat(bus.awaitAttempts("orders", payment("1"), 1, TIMEOUT)).isTrue();
    assertThat(bus).handling("orders", payment("1")).hasAttempts(1).isWaitingForRetry();
    bus.advance(Duration.ofMillis(9_999));
    assertThat(bus).handling("orders", payment("1")).hasAttempts(1).isWaitingForRetry();

    bus.advance(Duration.ofMillis(1));
    assertThat(bus.awaitAttempts("orders", payment("1"), 2, TIMEOUT)).isTrue();
    assertThat(bus).handling("orders", payment("1")).hasAttempts(2).isWaitingForRetry()
        .retriedWithDelays(Duration.ofSeconds(10), Duration.ofSeconds(20));
    bus.advance(Duration.ofSeconds(19));
    assertThat(bus).handling("orders", payment("1")).hasAttempts(2);

    bus.advance(Duration.ofSeconds(1));
    assertThat(bus.awaitAttempts("orders", payment("1"), 3, TIMEOUT)).isTrue();
    assertThat(bus).handling("orders", payment("1")).hasAttempts(3).isDeadLettered();
    assertThat(times).containsExactly(START, START.plusSeconds(10), START.plusSeconds(30));
    assertThat(bus).deadLetters("orders").singleElement().hasReason(DeadLetter.Reason.HANDLER_FAILED);
  }

  @Test
  @ChorusTest(time = VirtualTime.MANUAL, partitions = 1)
  void whileOneKeyWaitsForItsRetryTheTestSeesTheOtherKeysHandled(TestEventBus bus, VirtualClock clock) {
    subscribe(bus, clock, Shop.tenSecondBackoff(), (payment, attempt) -> payment.paymentId().equals("p1") && attempt == 1);

    bus.publish(payment("1"));
    bus.publish(payment("2"));

    assertThat(bus.awaitAttempts("orders", payment("2"), 1, TIMEOUT)).isTrue();
    assertThat(bus.awaitAttempts("orders", payment("1"), 1, TIMEOUT)).isTrue();
    assertThat(bus).handled("orders", PaymentValidated.class).containsExactly(payment("2"));
    assertThat(bus).handling("orders", payment("1")).isWaitingForRetry();
    assertThat(bus).published(OrderCreated.class).containsExactly(new OrderCreated("o2", "p2"));

    bus.advance(Duration.ofSeconds(10));

    assertThat(bus).isIdleWithin(TIMEOUT);
    assertThat(bus).handled("orders", PaymentValidated.class).containsExactly(payment("2"), payment("1"));
    assertThat(bus).published(OrderCreated.class)
        .containsExactly(new OrderCreated("o2", "p2"), new OrderCreated("o1", "p1"));
  }
}

package dev.chorus.testkit;

import static dev.chorus.testkit.ChorusAssertions.assertThat;
import static dev.chorus.testkit.ChorusAssertions.assertThatIllegalStateException;
import static dev.chorus.testkit.Shop.payment;

import dev.chorus.EventBus;
import dev.chorus.RetryPolicy;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.spi.OutgoingRecord;
import dev.chorus.testkit.Shop.FlakyInventory;
import dev.chorus.testkit.Shop.PaymentValidated;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestExecutionResult.Status;

/**
 * What {@link ChorusTest} and {@link ChorusExtension} do for a test: run on small test classes
 * (the nested "scenarios") through the JUnit launcher, so that a test the extension fails can be
 * seen failing.
 */
class ChorusExtensionTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private static final String DEAD_LETTER_NOBODY_LOOKED_AT =
      "the bus recorded 1 failure that no assertion looked at:\n"
          + "  - dead-lettered in group orders: PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000] "
          + "(type shop.payment-validated, key p1), HANDLER_FAILED after 1 attempt(s): "
          + "java.lang.IllegalStateException: inventory unavailable\n"
          + "Assert on them (for example assertThat(bus).deadLetters(group), .handling(group, event) or "
          + ".publishFailures()) or turn the check off with @ChorusTest(failOnUnassertedFailures = false).";

  private static Map<String, TestExecutionResult> run(Class<?> scenario) {
    return Scenarios.run(scenario);
  }

  private static void assertSuccessful(Map<String, TestExecutionResult> results, String... methods) {
    assertThat(results).containsOnlyKeys(methods);
    results.forEach((method, result) -> assertThat(result.getStatus())
        .as("%s: %s", method, result.getThrowable().map(Throwable::toString).orElse(""))
        .isEqualTo(Status.SUCCESSFUL));
  }

  // ---------------------------------------------------------------- resolving

  @ExtendWith(Scenarios.OnlyInScenarios.class)
  @ChorusTest
  static class ResolvesParameters {
    private TestEventBus fromBeforeEach;

    @BeforeEach
    void keep(TestEventBus bus) {
      fromBeforeEach = bus;
    }

    @Test
    void everyType(TestEventBus bus, EventBus same, VirtualClock clock, InMemoryTransport transport) {
      assertThat(same).isSameAs(bus).isSameAs(fromBeforeEach);
      assertThat(bus.clock()).containsSame(clock);
      assertThat(clock.isAutoAdvancing()).isTrue();
      bus.publish(payment("1")).join();
      assertThat(transport.records("shop.payments")).hasSize(1);
      assertThat(transport.endOffsets(List.of("shop.payments"))).hasSize(4);
    }
  }

  @Test
  void resolvesTheBusItsClockAndItsTransportInTestsAndBeforeEachMethods() {
    assertSuccessful(run(ResolvesParameters.class), "everyType");
  }

  @ExtendWith(Scenarios.OnlyInScenarios.class)
  @ChorusTest(time = VirtualTime.MANUAL, partitions = 2)
  static class TakesSettingsFromTheAnnotation {
    @Test
    void fromTheClass(TestEventBus bus, VirtualClock clock, InMemoryTransport transport) {
      assertThat(clock.isAutoAdvancing()).isFalse();
      bus.publish(payment("1")).join();
      assertThat(transport.endOffsets(List.of("shop.payments"))).hasSize(2);
    }

    @Test
    @ChorusTest(partitions = 1)
    void fromTheMethodFirst(TestEventBus bus, VirtualClock clock, InMemoryTransport transport) {
      assertThat(clock.isAutoAdvancing()).isTrue();
      bus.publish(payment("1")).join();
      assertThat(transport.endOffsets(List.of("shop.payments"))).hasSize(1);
    }
  }

  @Test
  void takesTimeAndPartitionsFromTheMethodsAnnotationElseTheClasss() {
    assertSuccessful(run(TakesSettingsFromTheAnnotation.class), "fromTheClass", "fromTheMethodFirst");
  }

  @ExtendWith(Scenarios.OnlyInScenarios.class)
  @ChorusTest
  static class RefusesTheConstructor {
    RefusesTheConstructor(TestEventBus bus) {
      assertThat(bus).isNotNull();
    }

    @Test
    void unreachable() {}
  }

  @Test
  void refusesToGiveTheConstructorABusBecauseEachTestGetsItsOwn() {
    TestExecutionResult result = run(RefusesTheConstructor.class).get("unreachable");

    assertThat(result.getStatus()).isEqualTo(Status.FAILED);
    assertThat(result.getThrowable()).get().isInstanceOf(ParameterResolutionException.class).extracting(
        Throwable::getMessage).asString().startsWith("ChorusExtension gives each test method its own bus: declare "
        + "TestEventBus as a parameter of the test method or of a @BeforeEach or @AfterEach method, not of ");
  }

  // ---------------------------------------------------------------- lifecycle

  @ExtendWith(Scenarios.OnlyInScenarios.class)
  @ChorusTest
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class OneBusPerTest {
    private TestEventBus first;
    private InMemoryTransport firstTransport;

    @Test
    @Order(1)
    void first(TestEventBus bus, InMemoryTransport transport) {
      first = bus;
      firstTransport = transport;
      bus.publish(payment("1")).join();
    }

    @Test
    @Order(2)
    void second(TestEventBus bus, InMemoryTransport transport) {
      assertThat(bus).isNotSameAs(first);
      assertThat(transport).isNotSameAs(firstTransport);
      assertThat(transport.records("shop.payments")).isEmpty();
      assertThatIllegalStateException().isThrownBy(() -> first.publish(payment("2")));
      assertThat(firstTransport.send(new OutgoingRecord("shop.payments", "k", new byte[0], Map.of())))
          .isCompletedExceptionally();
    }
  }

  @Test
  void closesTheBusAndItsTransportAfterEachTestAndGivesTheNextTestNewOnes() {
    assertSuccessful(run(OneBusPerTest.class), "first", "second");
  }

  // ---------------------------------------------------------------- failures nobody asserted on

  @ExtendWith(Scenarios.OnlyInScenarios.class)
  @ChorusTest
  static class LeavesADeadLetter {
    private static void failOnce(TestEventBus bus) {
      Shop.orderService(bus, new FlakyInventory(1), RetryPolicy.none());
      bus.publish(payment("1"));
      assertThat(bus).isIdleWithin(TIMEOUT);
    }

    @Test
    void unasserted(TestEventBus bus) {
      failOnce(bus);
      assertThat(bus).handled("orders", PaymentValidated.class).isEmpty();
    }

    @Test
    void asserted(TestEventBus bus) {
      failOnce(bus);
      assertThat(bus).deadLetters("orders").hasSize(1);
    }

    @Test
    void assertedThroughItsHandling(TestEventBus bus) {
      failOnce(bus);
      assertThat(bus).handling("orders", payment("1")).isDeadLettered();
    }

    @Test
    @ChorusTest(failOnUnassertedFailures = false)
    void unassertedButAllowed(TestEventBus bus) {
      failOnce(bus);
    }
  }

  @Test
  void failsATestAfterwardsIfItLeftAFailureThatNoAssertionLookedAt() {
    Map<String, TestExecutionResult> results = run(LeavesADeadLetter.class);

    TestExecutionResult unasserted = results.get("unasserted");
    assertThat(unasserted.getStatus()).isEqualTo(Status.FAILED);
    assertThat(unasserted.getThrowable()).get().isInstanceOf(AssertionError.class)
        .extracting(Throwable::getMessage).isEqualTo(DEAD_LETTER_NOBODY_LOOKED_AT);
    assertThat(results.get("asserted").getStatus()).isEqualTo(Status.SUCCESSFUL);
    assertThat(results.get("assertedThroughItsHandling").getStatus()).isEqualTo(Status.SUCCESSFUL);
    assertThat(results.get("unassertedButAllowed").getStatus()).isEqualTo(Status.SUCCESSFUL);
  }

  @ExtendWith(Scenarios.OnlyInScenarios.class)
  @ChorusTest(time = VirtualTime.MANUAL)
  static class LeavesARetryPending {
    @Test
    void unasserted(TestEventBus bus) {
      Shop.orderService(bus, new FlakyInventory(1), Shop.tenSecondBackoff());
      bus.publish(payment("1"));
      assertThat(bus.awaitAttempts("orders", payment("1"), 1, TIMEOUT)).isTrue();
    }
  }

  @Test
  void failsATestThatEndedWithAnEventWaitingForARetryNobodyAssertedOn() {
    TestExecutionResult result = run(LeavesARetryPending.class).get("unasserted");

    assertThat(result.getStatus()).isEqualTo(Status.FAILED);
    assertThat(result.getThrowable()).get().extracting(Throwable::getMessage).asString()
        .startsWith("the bus recorded 1 failure that no assertion looked at:\n"
            + "  - waiting for a retry in group orders: PaymentValidated[paymentId=p1, orderId=o1, amountCents=1000] "
            + "(type shop.payment-validated, key p1), attempt 1 failed: IllegalStateException: inventory unavailable\n");
  }

  @ExtendWith(Scenarios.OnlyInScenarios.class)
  @ChorusTest
  static class FailsItself {
    @Test
    void withItsOwnAssertion(TestEventBus bus) {
      LeavesADeadLetter.failOnce(bus);
      assertThat(bus).handled("orders", PaymentValidated.class).hasSize(1);
    }
  }

  @Test
  void addsTheUnassertedFailuresToATestThatFailedOnItsOwn() {
    TestExecutionResult result = run(FailsItself.class).get("withItsOwnAssertion");

    assertThat(result.getStatus()).isEqualTo(Status.FAILED);
    Throwable failure = result.getThrowable().orElseThrow();
    assertThat(failure.getMessage()).startsWith("[PaymentValidated events handled by group orders;");
    assertThat(failure.getSuppressed()).extracting(Throwable::getMessage).containsExactly(DEAD_LETTER_NOBODY_LOOKED_AT);
  }
}

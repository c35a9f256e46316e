package dev.chorus.testkit;

import dev.chorus.DeadLetter;
import org.assertj.core.api.Assertions;

/**
 * The entry point for assertions on a {@link TestEventBus}, and every AssertJ assertion too:
 * one static import serves both.
 *
 * <pre>{@code
 * import static dev.chorus.testkit.ChorusAssertions.assertThat;
 *
 * assertThat(bus).isIdleWithin(Duration.ofSeconds(5));
 * assertThat(bus).handled("orders", PaymentValidated.class).containsExactly(payment);
 * assertThat(orders.created()).containsExactly("o1");      // plain AssertJ
 * }</pre>
 */
public final class ChorusAssertions extends Assertions {

  private ChorusAssertions() {}

  /**
   * Starts assertions on what a bus recorded.
   *
   * @param bus the bus
   * @return the assertion
   */
  public static TestEventBusAssert assertThat(TestEventBus bus) {
    return new TestEventBusAssert(bus);
  }

  /**
   * Starts assertions on a dead letter, for example one read back with
   * {@link DeadLetter#from}.
   *
   * @param deadLetter the dead letter
   * @return the assertion
   */
  public static DeadLetterAssert assertThat(DeadLetter deadLetter) {
    return new DeadLetterAssert(deadLetter);
  }
}

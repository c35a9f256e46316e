package dev.chorus.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives each test method a fresh {@link TestEventBus} on a fresh in-memory transport with a
 * virtual clock, through {@link ChorusExtension}. Put it on a test class (every method) or on a
 * test method (which then overrides the class's settings); declare a parameter of type
 * {@link TestEventBus}, {@link dev.chorus.EventBus}, {@link dev.chorus.VirtualClock} or
 * {@link dev.chorus.inmemory.InMemoryTransport} to get them.
 *
 * <pre>{@code
 * @ChorusTest
 * class OrderServiceTest {
 *   @Test
 *   void createsAnOrderForAValidatedPayment(TestEventBus bus) { ... }
 * }
 * }</pre>
 *
 * <p>After each test the bus is closed, and the test fails if the bus recorded a failure that
 * no assertion looked at (see {@link #failOnUnassertedFailures()}).
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ChorusExtension.class)
public @interface ChorusTest {

  /**
   * How time moves: {@link VirtualTime#AUTO} (default) runs every backoff at once,
   * {@link VirtualTime#MANUAL} waits for the test to advance the clock.
   *
   * @return the time mode
   */
  VirtualTime time() default VirtualTime.AUTO;

  /**
   * The partition count of the in-memory topics; default 4, as on the default transport.
   *
   * @return the partitions per topic, at least 1
   */
  int partitions() default 4;

  /**
   * Whether to fail the test, after closing the bus, if it recorded a dead letter, a discarded
   * event, a stopped subscription, a failed publish or an event left waiting for a retry that
   * no assertion looked at. Default true: a handler error nobody expected fails the test.
   *
   * @return whether unasserted failures fail the test
   */
  boolean failOnUnassertedFailures() default true;
}

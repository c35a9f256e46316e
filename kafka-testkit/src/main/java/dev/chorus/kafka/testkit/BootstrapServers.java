package dev.chorus.kafka.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code String} parameter that {@link EmbeddedKafkaExtension} fills with the shared
 * broker's bootstrap address ({@code "127.0.0.1:<port>"}).
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedKafkaExtension.class)
 * class OrdersOnKafkaTest {
 *   @Test
 *   void publishes(@BootstrapServers String bootstrapServers) { ... }
 * }
 * }</pre>
 *
 * <p>Allowed on parameters of test methods, lifecycle methods ({@code @BeforeAll},
 * {@code @BeforeEach}, ...) and test class constructors.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface BootstrapServers {}

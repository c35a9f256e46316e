package dev.chorus.kafka.testkit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that starts one {@link EmbeddedKafka} broker for the whole test run and
 * hands it to tests.
 *
 * <p>The broker starts before the first test class that uses the extension and is shared by every
 * test class of the run; it is kept in the root {@link ExtensionContext.Store} and closed (its
 * data deleted) when the run ends. Give each test its own topics and consumer groups.
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedKafkaExtension.class)
 * class OrdersOnKafkaTest {
 *   @Test
 *   void roundTrips(EmbeddedKafka kafka, @BootstrapServers String bootstrapServers) {
 *     kafka.createTopic("orders", 3);
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>Resolves parameters of test methods, lifecycle methods and constructors: type
 * {@link EmbeddedKafka}, and {@code String} annotated with {@link BootstrapServers}. Also usable
 * with {@code @RegisterExtension}; all instances share the same broker.
 *
 * <p>A test may {@link EmbeddedKafka#stop() stop} the shared broker, but must
 * {@link EmbeddedKafka#restart() restart} it before it ends; it must not close it.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(EmbeddedKafkaExtension.class);

  /** Creates the extension; JUnit calls this for {@code @ExtendWith}. */
  public EmbeddedKafkaExtension() {}

  /**
   * Starts the shared broker if this is the first test class of the run that needs it.
   *
   * @param context the test class's context
   */
  @Override
  public void beforeAll(ExtensionContext context) {
    broker(context);
  }

  /**
   * Tells JUnit whether this extension resolves the parameter.
   *
   * @param parameterContext the parameter
   * @param extensionContext the current context
   * @return true for {@link EmbeddedKafka} parameters and {@link BootstrapServers @BootstrapServers}
   *     {@code String} parameters
   */
  @Override
  public boolean supportsParameter(ParameterContext parameterContext,
      ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    return type == EmbeddedKafka.class
        || (type == String.class && parameterContext.isAnnotated(BootstrapServers.class));
  }

  /**
   * Returns the shared broker or its bootstrap address, starting the broker if needed.
   *
   * @param parameterContext the parameter
   * @param extensionContext the current context
   * @return the {@link EmbeddedKafka} or its {@link EmbeddedKafka#bootstrapServers()}
   * @throws ParameterResolutionException if the broker cannot be started
   */
  @Override
  public Object resolveParameter(ParameterContext parameterContext,
      ExtensionContext extensionContext) {
    EmbeddedKafka kafka;
    try {
      kafka = broker(extensionContext);
    } catch (RuntimeException e) {
      throw new ParameterResolutionException("Cannot start the embedded Kafka broker", e);
    }
    return parameterContext.getParameter().getType() == EmbeddedKafka.class
        ? kafka
        : kafka.bootstrapServers();
  }

  private static EmbeddedKafka broker(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(SharedBroker.class, key -> new SharedBroker(EmbeddedKafka.start()),
            SharedBroker.class)
        .kafka;
  }

  /**
   * The run's broker in the root store. JUnit 5.13+ closes stored {@link AutoCloseable} values;
   * older versions (and runs that disable that) close {@code CloseableResource} values. Closing
   * twice is harmless.
   */
  @SuppressWarnings("deprecation")
  private static final class SharedBroker
      implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    final EmbeddedKafka kafka;

    SharedBroker(EmbeddedKafka kafka) {
      this.kafka = kafka;
    }

    @Override
    public void close() {
      kafka.close();
    }
  }
}

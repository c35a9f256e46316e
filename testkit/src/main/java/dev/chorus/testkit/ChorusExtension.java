package dev.chorus.testkit;

import dev.chorus.EventBus;
import dev.chorus.VirtualClock;
import dev.chorus.inmemory.InMemoryTransport;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Parameter;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link ChorusTest}; it can also be registered with
 * {@code @ExtendWith(ChorusExtension.class)} (then with {@link ChorusTest}'s defaults).
 *
 * <p>Before each test method it creates a {@link VirtualClock} (auto-advancing or manual), an
 * {@link InMemoryTransport} stamping records with that clock, and a {@link TestEventBus} on
 * both, and resolves parameters of the test method and of {@code @BeforeEach} and
 * {@code @AfterEach} methods of type {@link TestEventBus}, {@link EventBus},
 * {@link VirtualClock} and {@link InMemoryTransport}. After each test (and after the
 * {@code @AfterEach} methods) it closes the bus, which closes the transport, and then, unless
 * {@link ChorusTest#failOnUnassertedFailures()} is false, fails the test if the bus recorded a
 * failure no assertion looked at
 * ({@link TestEventBusAssert#hasNoUnassertedFailures()}).
 *
 * <p>Each test method gets its own bus, so test methods may run in parallel.
 */
public final class ChorusExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ChorusExtension.class);

  /** Per-test state, kept in the test method's store. */
  private record Resources(ChorusTest settings, VirtualClock clock, InMemoryTransport transport, TestEventBus bus) {}

  /** Creates the extension; JUnit does this. */
  public ChorusExtension() {}

  @Override
  public void beforeEach(ExtensionContext context) {
    ChorusTest settings = settings(context);
    if (settings.partitions() < 1) {
      throw new IllegalArgumentException("@ChorusTest(partitions) must be at least 1: " + settings.partitions());
    }
    VirtualClock clock = settings.time() == VirtualTime.MANUAL ? VirtualClock.create() : VirtualClock.autoAdvancing();
    InMemoryTransport transport = InMemoryTransport.builder().partitions(settings.partitions()).clock(clock).build();
    TestEventBus bus = TestEventBus.create(EventBus.builder().transport(transport), clock);
    context.getStore(NAMESPACE).put(Resources.class, new Resources(settings, clock, transport, bus));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Resources resources = context.getStore(NAMESPACE).remove(Resources.class, Resources.class);
    if (resources == null) {
      return;
    }
    resources.bus().close();
    if (resources.settings().failOnUnassertedFailures()) {
      ChorusAssertions.assertThat(resources.bus()).hasNoUnassertedFailures();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == TestEventBus.class || type == EventBus.class || type == VirtualClock.class
        || type == InMemoryTransport.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Parameter declared = parameter.getParameter();
    Resources resources = context.getTestMethod().isPresent()
        ? context.getStore(NAMESPACE).get(Resources.class, Resources.class) : null;
    if (resources == null) {
      throw new ParameterResolutionException("ChorusExtension gives each test method its own bus: declare "
          + declared.getType().getSimpleName() + " as a parameter of the test method or of a @BeforeEach or "
          + "@AfterEach method, not of " + declared.getDeclaringExecutable());
    }
    Class<?> type = declared.getType();
    if (type == VirtualClock.class) {
      return resources.clock();
    }
    if (type == InMemoryTransport.class) {
      return resources.transport();
    }
    return resources.bus();
  }

  /** The method's annotation, else the class's (or an enclosing class's), else the defaults. */
  private static ChorusTest settings(ExtensionContext context) {
    Optional<ChorusTest> onMethod = context.getTestMethod().flatMap(method -> find(method));
    if (onMethod.isPresent()) {
      return onMethod.get();
    }
    for (Class<?> type = context.getRequiredTestClass(); type != null; type = type.getEnclosingClass()) {
      Optional<ChorusTest> onClass = find(type);
      if (onClass.isPresent()) {
        return onClass.get();
      }
    }
    return Defaults.class.getAnnotation(ChorusTest.class);
  }

  private static Optional<ChorusTest> find(AnnotatedElement element) {
    return AnnotationSupport.findAnnotation(element, ChorusTest.class);
  }

  /** Carries the default settings. */
  @ChorusTest
  private static final class Defaults {}
}

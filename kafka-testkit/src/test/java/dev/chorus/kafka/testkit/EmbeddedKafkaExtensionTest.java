package dev.chorus.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs two fixture test classes in a JUnit run of their own, so that what the extension does at
 * the end of a run (close the broker) can be observed too.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class EmbeddedKafkaExtensionTest {

  /** What the fixtures saw, in the order they saw it. */
  static final List<EmbeddedKafka> SEEN = new CopyOnWriteArrayList<>();
  static final List<String> SEEN_ADDRESSES = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void sameBrokerAsTheOtherTestClasses(EmbeddedKafka kafka,
      @BootstrapServers String bootstrapServers) {
    RunWideBroker.assertSameAsInOtherTestClasses(kafka, bootstrapServers);
  }

  @Test
  void testClassesOfOneRunShareOneBrokerThatIsClosedWhenTheRunEnds(EmbeddedKafka outer) {
    SEEN.clear();
    SEEN_ADDRESSES.clear();

    TestExecutionSummary summary = run(ExtendWithFixture.class, RegisterExtensionFixture.class);

    assertThat(summary.getFailures()).isEmpty();
    assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
    // Resolved three times: ExtendWithFixture's @BeforeAll and test, RegisterExtensionFixture's test.
    assertThat(SEEN).hasSize(3);
    EmbeddedKafka inner = SEEN.get(0);
    assertThat(SEEN).allSatisfy(kafka -> assertThat(kafka).isSameAs(inner));
    assertThat(SEEN_ADDRESSES).containsExactly(
        inner.bootstrapServers(), inner.bootstrapServers(), inner.bootstrapServers());
    // That run's root store closed its broker and deleted its data; ours is a different one.
    assertThat(inner.isRunning()).isFalse();
    assertThat(inner.dataDirectory()).doesNotExist();
    assertThat(inner).isNotSameAs(outer);
    assertThat(outer.isRunning()).isTrue();
  }

  @Test
  void theSharedBrokerOfTheJvmIsStartedOnceAndStaysUp() {
    EmbeddedKafka shared = EmbeddedKafka.shared();

    assertThat(EmbeddedKafka.shared()).isSameAs(shared);
    assertThat(shared.isRunning()).isTrue();
  }

  private static TestExecutionSummary run(Class<?>... classes) {
    LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
    for (Class<?> c : classes) {
      request.selectors(selectClass(c));
    }
    LauncherDiscoveryRequest discovery = request.build();
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    launcher.execute(discovery, listener);
    return listener.getSummary();
  }

  /** Uses {@code @ExtendWith} and a lifecycle parameter; run only by the test above. */
  @ExtendWith(EmbeddedKafkaExtension.class)
  static class ExtendWithFixture {
    @BeforeAll
    static void beforeAll(EmbeddedKafka kafka, @BootstrapServers String bootstrapServers) {
      SEEN.add(kafka);
      SEEN_ADDRESSES.add(bootstrapServers);
    }

    @Test
    void seesTheBroker(EmbeddedKafka kafka, @BootstrapServers String bootstrapServers) {
      SEEN.add(kafka);
      SEEN_ADDRESSES.add(bootstrapServers);
    }
  }

  /** Uses {@code @RegisterExtension}; run only by the test above. */
  static class RegisterExtensionFixture {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void seesTheBroker(EmbeddedKafka kafka, @BootstrapServers String bootstrapServers) {
      SEEN.add(kafka);
      SEEN_ADDRESSES.add(bootstrapServers);
    }
  }
}

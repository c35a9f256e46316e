package dev.chorus.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;

/** Checks that every test class of this module's run that uses the extension gets one broker. */
final class RunWideBroker {

  private static final AtomicReference<EmbeddedKafka> FIRST = new AtomicReference<>();
  private static final AtomicReference<String> FIRST_ADDRESS = new AtomicReference<>();

  private RunWideBroker() {}

  /** Called from each extension-using test class's {@code @BeforeAll}. */
  static void assertSameAsInOtherTestClasses(EmbeddedKafka kafka, String bootstrapServers) {
    FIRST.compareAndSet(null, kafka);
    FIRST_ADDRESS.compareAndSet(null, bootstrapServers);
    assertThat(kafka).isSameAs(FIRST.get());
    assertThat(bootstrapServers).isEqualTo(FIRST_ADDRESS.get());
    assertThat(kafka.isRunning()).isTrue();
  }
}

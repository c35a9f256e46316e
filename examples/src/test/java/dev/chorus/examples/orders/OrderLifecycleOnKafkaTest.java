package dev.chorus.examples.orders;

import static dev.chorus.testkit.ChorusAssertions.assertThat;

import dev.chorus.VirtualClock;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Output;
import dev.chorus.examples.RecordingBuses;
import dev.chorus.kafka.testkit.EmbeddedKafka;
import dev.chorus.kafka.testkit.EmbeddedKafkaExtension;
import dev.chorus.testkit.TestEventBus;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The order lifecycle on the embedded Kafka broker: three instances of one group, each with its own
 * Kafka client, as three processes would be. Fewer orders than in memory, to keep the test short.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class OrderLifecycleOnKafkaTest {

  private final EmbeddedKafka kafka;
  private final String run = UUID.randomUUID().toString().substring(0, 6);

  OrderLifecycleOnKafkaTest(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  @Test
  void threeKafkaClientsOfOneGroupHandleEveryOrdersEventsInPublishOrder() {
    VirtualClock clock = VirtualClock.autoAdvancing();
    RecordingBuses buses = new RecordingBuses(clock);
    OrderLifecycle.Result result;
    try (Environment env = Environment.kafka(kafka.bootstrapServers(), run, clock).buildBusesWith(buses)) {
      result = OrderLifecycle.run(env, new Output().stream(), 40, 3);
    }

    assertThat(result.check().violations()).isEmpty();
    assertThat(result.check()).isEqualTo(new OrderingCheck.Report(40, 120, 120, List.of()));
    assertThat(result.writesPerInstance()).hasSize(3);
    assertThat(result.writesPerInstance().values()).allSatisfy(writes -> assertThat(writes).isPositive());
    List<TestEventBus> instances = buses.instancesOf("order-history");
    assertThat(instances).hasSize(3);
    int handled = 0;
    int retries = 0;
    for (TestEventBus instance : instances) {
      handled += instance.attempts().stream()
          .filter(attempt -> attempt.outcome() == TestEventBus.HandlingAttempt.Outcome.SUCCEEDED).count();
      retries += instance.retries().size();
      instance.retries().forEach(retry -> assertThat(retry.delay()).isEqualTo(Duration.ofMillis(100)));
      assertThat(instance).retries("order-history-" + run).causes()
          .allSatisfy(cause -> assertThat(cause).isInstanceOf(TransientStoreException.class));
    }
    assertThat(handled).isEqualTo(120);
    assertThat(retries).as("refused writes " + OrderLifecycle.refusedWrites(40)).isEqualTo(1);
    buses.haveNoUnassertedFailures();
  }
}

package dev.chorus.examples.payments;

import static dev.chorus.testkit.ChorusAssertions.assertThat;

import dev.chorus.EventFlow;
import dev.chorus.VirtualClock;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Output;
import dev.chorus.examples.RecordingBuses;
import dev.chorus.kafka.testkit.EmbeddedKafka;
import dev.chorus.kafka.testkit.EmbeddedKafkaExtension;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The payment choreography on the embedded Kafka broker: every service a separate Kafka client. */
@ExtendWith(EmbeddedKafkaExtension.class)
class PaymentChoreographyOnKafkaTest {

  private final EmbeddedKafka kafka;
  private final String run = UUID.randomUUID().toString().substring(0, 6);

  PaymentChoreographyOnKafkaTest(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  @Test
  void everyPaymentBecomesAnOrderAndPointsWhileTheLaterAnalyticsGroupCountsOnlyWhatFollows() {
    VirtualClock clock = VirtualClock.autoAdvancing();
    RecordingBuses buses = new RecordingBuses(clock);
    PaymentChoreography.Result result;
    try (Environment env = Environment.kafka(kafka.bootstrapServers(), run, clock).buildBusesWith(buses)) {
      result = PaymentChoreography.run(env, new Output().stream());
    }

    assertThat(result.orders()).containsExactlyElementsOf(PaymentChoreographyTest.ORDERS);
    assertThat(result.loyaltyBalances()).isEqualTo(PaymentChoreographyTest.BALANCES);
    assertThat(result.paymentsPerHour()).isEqualTo(PaymentChoreographyTest.PER_HOUR);
    assertThat(buses.of("payment-analytics")).handled("payment-analytics-" + run, PaymentValidated.class)
        .containsExactlyInAnyOrderElementsOf(PaymentChoreography.AFTER_ANALYTICS);
    assertThat(buses.of("order-service")).published(OrderCreated.class)
        .containsExactlyInAnyOrderElementsOf(PaymentChoreographyTest.ORDERS);
    assertThat(result.flow().consumes()).extracting(EventFlow.Consumes::group).containsExactly(
        "loyalty-service-" + run, "order-service-" + run, "payment-analytics-" + run);
    assertThat(result.flow().publishes()).containsExactly(
        new EventFlow.Publishes("loyalty-service-" + run, "loyalty.points-awarded", 6),
        new EventFlow.Publishes("order-service-" + run, "orders.order-created", 6));
    buses.haveNoUnassertedFailures();
  }
}

package dev.chorus.examples.saga;

import static dev.chorus.testkit.ChorusAssertions.assertThat;

import dev.chorus.VirtualClock;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Output;
import dev.chorus.examples.RecordingBuses;
import dev.chorus.kafka.testkit.EmbeddedKafka;
import dev.chorus.kafka.testkit.EmbeddedKafkaExtension;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The contract saga on the embedded Kafka broker. */
@ExtendWith(EmbeddedKafkaExtension.class)
class ContractSagaOnKafkaTest {

  private final EmbeddedKafka kafka;
  private final String run = UUID.randomUUID().toString().substring(0, 6);

  ContractSagaOnKafkaTest(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  @Test
  void aFailedCustomerCheckCancelsTheContractAndBillingVoidsItsDraftWhileTheOthersAreActivated() {
    VirtualClock clock = VirtualClock.autoAdvancing();
    RecordingBuses buses = new RecordingBuses(clock);
    ContractSaga.Result result;
    try (Environment env = Environment.kafka(kafka.bootstrapServers(), run, clock).buildBusesWith(buses)) {
      result = ContractSaga.run(env, new Output().stream());
    }

    assertThat(result.contracts()).isEqualTo(Map.of(
        "CT-1001", ContractStatus.ACTIVE, "CT-1002", ContractStatus.CANCELLED, "CT-1003", ContractStatus.ACTIVE,
        "CT-1004", ContractStatus.CANCELLED, "CT-1005", ContractStatus.ACTIVE));
    List<AccountStatus> billed = List.of(AccountStatus.DRAFT, AccountStatus.ACTIVE);
    List<AccountStatus> voided = List.of(AccountStatus.DRAFT, AccountStatus.VOIDED);
    assertThat(result.billingAccounts()).isEqualTo(Map.of(
        "CT-1001", billed, "CT-1002", voided, "CT-1003", billed, "CT-1004", voided, "CT-1005", billed));
    assertThat(buses.of("contract-service")).published(ContractCancelled.class).containsExactlyInAnyOrder(
        new ContractCancelled("CT-1002", "cust-bob", "customer check failed: credit score 540 is below 600"),
        new ContractCancelled("CT-1004", "cust-mallory",
            "customer check failed: the credit bureau cannot identify cust-mallory"));
    assertThat(buses.of("billing")).handled("billing-" + run, ContractEvent.class).hasSize(10);
    buses.haveNoUnassertedFailures();
  }
}

package dev.chorus.examples.saga;

import static dev.chorus.testkit.ChorusAssertions.assertThat;

import dev.chorus.EventFlow;
import dev.chorus.EventMetadata;
import dev.chorus.VirtualClock;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Output;
import dev.chorus.examples.RecordingBuses;
import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.testkit.ChorusTest;
import dev.chorus.testkit.TestEventBus;
import dev.chorus.testkit.TestEventBus.PublishedEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

@ChorusTest
class ContractSagaTest {

  @Test
  void aFailedCustomerCheckCancelsTheContractAndBillingVoidsItsDraftWhileTheOthersAreActivated(
      InMemoryTransport transport, VirtualClock clock) {
    RecordingBuses buses = new RecordingBuses(clock);
    Output out = new Output();
    ContractSaga.Result result;
    try (Environment env = Environment.inMemory(transport, clock).buildBusesWith(buses)) {
      result = ContractSaga.run(env, out.stream());
    }

    assertThat(result.created()).containsExactly(
        new ContractCreated("CT-1001", "cust-ada", "fibre-1000", 4990),
        new ContractCreated("CT-1002", "cust-bob", "mobile-unlimited", 2990),
        new ContractCreated("CT-1003", "cust-grace", "fibre-500", 3990),
        new ContractCreated("CT-1004", "cust-mallory", "tv-premium", 1990),
        new ContractCreated("CT-1005", "cust-linus", "mobile-basic", 990));
    assertThat(result.contracts()).isEqualTo(Map.of(
        "CT-1001", ContractStatus.ACTIVE, "CT-1002", ContractStatus.CANCELLED, "CT-1003", ContractStatus.ACTIVE,
        "CT-1004", ContractStatus.CANCELLED, "CT-1005", ContractStatus.ACTIVE));
    List<AccountStatus> billed = List.of(AccountStatus.DRAFT, AccountStatus.ACTIVE);
    List<AccountStatus> voided = List.of(AccountStatus.DRAFT, AccountStatus.VOIDED);
    assertThat(result.billingAccounts()).isEqualTo(Map.of(
        "CT-1001", billed, "CT-1002", voided, "CT-1003", billed, "CT-1004", voided, "CT-1005", billed));

    TestEventBus contracts = buses.of("contract-service");
    TestEventBus checks = buses.of("customer-check");
    TestEventBus billing = buses.of("billing");
    assertThat(checks).published(CustomerCheckResult.class).containsExactlyInAnyOrder(
        new CustomerCheckPassed("CT-1001", "cust-ada", 780),
        new CustomerCheckFailed("CT-1002", "cust-bob", "credit score 540 is below 600"),
        new CustomerCheckPassed("CT-1003", "cust-grace", 710),
        new CustomerCheckFailed("CT-1004", "cust-mallory", "the credit bureau cannot identify cust-mallory"),
        new CustomerCheckPassed("CT-1005", "cust-linus", 655));
    assertThat(checks).skipped("customer-check").as("activations and cancellations on the contracts topic")
        .hasSize(5);
    assertThat(contracts).published(ContractCancelled.class).containsExactlyInAnyOrder(
        new ContractCancelled("CT-1002", "cust-bob", "customer check failed: credit score 540 is below 600"),
        new ContractCancelled("CT-1004", "cust-mallory",
            "customer check failed: the credit bureau cannot identify cust-mallory"));
    assertThat(contracts).published(ContractActivated.class).containsExactlyInAnyOrder(
        new ContractActivated("CT-1001", "cust-ada"), new ContractActivated("CT-1003", "cust-grace"),
        new ContractActivated("CT-1005", "cust-linus"));
    assertThat(billing).handled("billing", ContractEvent.class).hasSize(10)
        .filteredOn(event -> event.contractId().equals("CT-1002")).containsExactly(
            new ContractCreated("CT-1002", "cust-bob", "mobile-unlimited", 2990),
            new ContractCancelled("CT-1002", "cust-bob", "customer check failed: credit score 540 is below 600"));
    for (String group : List.of("contract-service", "customer-check", "billing")) {
      assertThat(buses.of(group)).retries(group).isEmpty();
      assertThat(buses.of(group)).deadLetters(group).isEmpty();
    }

    // Every event of a contract's saga belongs to one chain: the correlation id of its ContractCreated,
    // and each step is caused by the previous one.
    List<PublishedEvent> all = new ArrayList<>();
    for (TestEventBus bus : List.of(contracts, checks, billing)) {
      all.addAll(bus.published());
    }
    Map<String, List<PublishedEvent>> byContract = all.stream()
        .collect(Collectors.groupingBy(event -> event.metadata().key()));
    assertThat(byContract).hasSize(5);
    byContract.forEach((contract, events) -> {
      EventMetadata start = events.stream().filter(event -> event.event() instanceof ContractCreated).findFirst()
          .orElseThrow().metadata();
      EventMetadata check = events.stream().filter(event -> event.event() instanceof CustomerCheckResult).findFirst()
          .orElseThrow().metadata();
      EventMetadata end = events.stream().filter(event -> event.event() instanceof ContractActivated
          || event.event() instanceof ContractCancelled).findFirst().orElseThrow().metadata();
      assertThat(events).as(contract).hasSize(3);
      assertThat(List.of(start.correlationId(), check.correlationId(), end.correlationId())).as(contract)
          .containsOnly(start.id());
      assertThat(check.causationId()).as(contract).isEqualTo(start.id());
      assertThat(end.causationId()).as(contract).isEqualTo(check.id());
    });

    EventFlow flow = result.flow();
    assertThat(flow.emits()).containsExactly(new EventFlow.Emits("contract-service", "contracts.contract-created", 5));
    assertThat(flow.publishes()).containsExactly(
        new EventFlow.Publishes("contract-service", "contracts.contract-activated", 3),
        new EventFlow.Publishes("contract-service", "contracts.contract-cancelled", 2),
        new EventFlow.Publishes("customer-check", "customer-checks.failed", 2),
        new EventFlow.Publishes("customer-check", "customer-checks.passed", 3));
    assertThat(flow.consumes()).containsExactly(
        new EventFlow.Consumes("contracts.contract-activated", "contracts", "billing"),
        new EventFlow.Consumes("contracts.contract-cancelled", "contracts", "billing"),
        new EventFlow.Consumes("contracts.contract-created", "contracts", "billing"),
        new EventFlow.Consumes("contracts.contract-created", "contracts", "customer-check"),
        new EventFlow.Consumes("customer-checks.failed", "customer-checks", "contract-service"),
        new EventFlow.Consumes("customer-checks.passed", "customer-checks", "contract-service"));
    assertThat(out.narrated()).anySatisfy(line -> assertThat(line).startsWith(
        "contract-service published contracts.contract-cancelled CT-1002 -> contracts[").endsWith(
        ", caused by customer-checks.failed CT-1002"));
    assertThat(out.lines()).contains(
        "g_contract_service -- \"2\" --> t_contracts_contract_cancelled",
        "t_contracts_contract_cancelled --> g_billing");
    buses.haveNoUnassertedFailures();
  }
}

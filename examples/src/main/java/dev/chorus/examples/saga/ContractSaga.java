package dev.chorus.examples.saga;

import dev.chorus.EventFlow;
import dev.chorus.examples.Environment;
import dev.chorus.examples.Narrator;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Scenario 4, a saga by choreography with compensation: the contract service creates contracts;
 * the customer check asks the credit bureau about each customer; billing opens a draft account for
 * each contract. When the check passes, the contract service activates the contract and billing
 * starts billing; when it fails, the contract service publishes the compensating
 * {@link ContractCancelled} and billing voids its draft. No orchestrator: each service reacts to
 * events only.
 *
 * <p>Services, each with its own bus: {@code contract-service}, {@code customer-check} and
 * {@code billing}.
 */
public final class ContractSaga {

  /** The contract service's consumer group, before an environment's run suffix. */
  static final String CONTRACTS = "contract-service";
  /** The customer check's consumer group. */
  static final String CHECKS = "customer-check";
  /** The billing service's consumer group. */
  static final String BILLING = "billing";

  /** What the credit bureau knows: {@code cust-mallory} is unknown to it. */
  static final Map<String, Integer> CREDIT_SCORES = Map.of(
      "cust-ada", 780, "cust-bob", 540, "cust-grace", 710, "cust-linus", 655);

  /**
   * A contract the scenario signs.
   *
   * @param customerId the customer
   * @param product the product
   * @param monthlyFeeCents the monthly fee, in cents
   */
  record Signing(String customerId, String product, long monthlyFeeCents) {}

  /** The contracts signed, in order: they become CT-1001 to CT-1005. */
  static final List<Signing> SIGNINGS = List.of(
      new Signing("cust-ada", "fibre-1000", 4990),
      new Signing("cust-bob", "mobile-unlimited", 2990),
      new Signing("cust-grace", "fibre-500", 3990),
      new Signing("cust-mallory", "tv-premium", 1990),
      new Signing("cust-linus", "mobile-basic", 990));

  private ContractSaga() {}

  /**
   * What the scenario did.
   *
   * @param created the contracts created, in order
   * @param contracts every contract's final status in the contract service, by contract id
   * @param billingAccounts every billing account's history, by contract id
   * @param flow the scenario's flow map
   */
  public record Result(List<ContractCreated> created, Map<String, ContractStatus> contracts,
      Map<String, List<AccountStatus>> billingAccounts, EventFlow flow) {

    /**
     * Copies the collections.
     *
     * @param created see {@link #created()}
     * @param contracts see {@link #contracts()}
     * @param billingAccounts see {@link #billingAccounts()}
     * @param flow see {@link #flow()}
     */
    public Result {
      created = List.copyOf(created);
      contracts = Map.copyOf(contracts);
      billingAccounts = Map.copyOf(billingAccounts);
      Objects.requireNonNull(flow, "flow");
    }
  }

  /**
   * Runs the scenario and narrates it.
   *
   * @param env where the services run
   * @param out where the narrative goes
   * @return what happened
   * @throws IllegalStateException if the scenario does not settle within
   *     {@link Environment#SETTLE_TIMEOUT}
   */
  public static Result run(Environment env, PrintStream out) {
    Narrator narrator = new Narrator(out, env.clock(), Narrator.Mode.EVERY_EVENT);
    ContractService contracts = new ContractService(env.bus("contract-service", narrator), env.group(CONTRACTS));
    CustomerCheckService checks = new CustomerCheckService(env.bus("customer-check", narrator), env.group(CHECKS),
        new CreditBureau(CREDIT_SCORES));
    BillingService billing = new BillingService(env.bus("billing", narrator), env.group(BILLING));
    contracts.start();
    checks.start();
    billing.start();

    out.println("The contract service signs " + SIGNINGS.size() + " contracts; cust-bob's credit score is too low "
        + "and the credit bureau does not know cust-mallory:");
    List<ContractCreated> created = new ArrayList<>();
    for (Signing signing : SIGNINGS) {
      created.add(contracts.create(signing.customerId(), signing.product(), signing.monthlyFeeCents()));
    }
    env.settle();
    narrator.flush();

    Result result = new Result(created, contracts.contracts(), billing.accounts(), env.flow());
    out.println();
    out.println("What the services recorded:");
    for (ContractCreated contract : created) {
      out.printf(Locale.ROOT, "  %s %-13s %-16s %5d.%02d/month  contract-service: %-9s billing: %s%n",
          contract.contractId(), contract.customerId(), contract.product(), contract.monthlyFeeCents() / 100,
          contract.monthlyFeeCents() % 100, result.contracts().get(contract.contractId()),
          result.billingAccounts().get(contract.contractId()));
    }
    narrator.printFlowMap(result.flow());
    return result;
  }
}

package dev.chorus.examples.saga;

import dev.chorus.EventBus;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The contract service starts the saga and ends it: it creates contracts (pending the customer
 * check) and announces them; when the check passes it activates the contract, when it fails it
 * cancels it with the compensating {@link ContractCancelled}. It never calls the other services.
 */
final class ContractService {

  private final EventBus bus;
  private final String group;
  private final Map<String, ContractStatus> contracts = new TreeMap<>();
  private int created = 1000;

  ContractService(EventBus bus, String group) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.group = Objects.requireNonNull(group, "group");
  }

  void start() {
    bus.subscribe(CustomerCheckResult.class)
        .group(group)
        .handle((result, ctx) -> {
          if (result instanceof CustomerCheckPassed passed) {
            if (settle(passed.contractId(), ContractStatus.ACTIVE)) {
              ctx.publish(new ContractActivated(passed.contractId(), passed.customerId()));
            }
          } else if (result instanceof CustomerCheckFailed failed) {
            if (settle(failed.contractId(), ContractStatus.CANCELLED)) {
              ctx.publish(new ContractCancelled(failed.contractId(), failed.customerId(),
                  "customer check failed: " + failed.reason()));
            }
          }
        });
  }

  /**
   * Creates a contract pending the customer check and announces it.
   *
   * @return the announced event
   */
  ContractCreated create(String customerId, String product, long monthlyFeeCents) {
    ContractCreated contract;
    synchronized (this) {
      contract = new ContractCreated("CT-" + (++created), customerId, product, monthlyFeeCents);
      contracts.put(contract.contractId(), ContractStatus.PENDING_CHECK);
    }
    bus.publish(contract).join();
    return contract;
  }

  /**
   * Moves a pending contract to {@code next}. True if the contract is now in {@code next}, also when
   * it already was (a redelivered check result: its announcement is repeated, in case the first one
   * was not published); false for an unknown contract or one settled otherwise.
   */
  private synchronized boolean settle(String contractId, ContractStatus next) {
    contracts.replace(contractId, ContractStatus.PENDING_CHECK, next);
    return contracts.get(contractId) == next;
  }

  /** Every contract's status, by contract id. */
  synchronized Map<String, ContractStatus> contracts() {
    return new TreeMap<>(contracts);
  }
}

package dev.chorus.examples.saga;

import dev.chorus.EventBus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Billing takes part in the saga on its own: it opens a draft billing account for every new
 * contract, starts billing when the contract is activated, and voids the draft when the contract
 * is cancelled: its compensation. It relies on a contract's events arriving in order: a
 * cancellation of a contract whose account does not exist yet would be a bug.
 */
final class BillingService {

  private final EventBus bus;
  private final String group;
  private final Map<String, List<AccountStatus>> accounts = new TreeMap<>();

  BillingService(EventBus bus, String group) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.group = Objects.requireNonNull(group, "group");
  }

  void start() {
    bus.subscribe(ContractEvent.class)
        .group(group)
        .handle((event, ctx) -> {
          if (event instanceof ContractCreated) {
            open(event.contractId());
          } else if (event instanceof ContractActivated) {
            move(event.contractId(), AccountStatus.ACTIVE);
          } else if (event instanceof ContractCancelled) {
            move(event.contractId(), AccountStatus.VOIDED);
          }
        });
  }

  private synchronized void open(String contractId) {
    accounts.computeIfAbsent(contractId, id -> new ArrayList<>(List.of(AccountStatus.DRAFT)));
  }

  private synchronized void move(String contractId, AccountStatus next) {
    List<AccountStatus> history = accounts.get(contractId);
    if (history == null) {
      throw new IllegalStateException("no billing account for contract " + contractId);
    }
    if (history.get(history.size() - 1) == AccountStatus.DRAFT) {
      history.add(next);
    }
  }

  /** Every account's history of statuses, by contract id. */
  synchronized Map<String, List<AccountStatus>> accounts() {
    Map<String, List<AccountStatus>> copy = new TreeMap<>();
    accounts.forEach((contract, history) -> copy.put(contract, List.copyOf(history)));
    return copy;
  }
}

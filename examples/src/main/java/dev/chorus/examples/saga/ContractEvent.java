package dev.chorus.examples.saga;

/**
 * What happens to a contract, on the {@code contracts} topic, keyed by contract id.
 */
public sealed interface ContractEvent permits ContractCreated, ContractActivated, ContractCancelled {

  /**
   * The contract the event is about.
   *
   * @return the contract id
   */
  String contractId();
}

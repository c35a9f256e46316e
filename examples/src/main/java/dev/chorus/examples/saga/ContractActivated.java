package dev.chorus.examples.saga;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The customer check passed and the contract is active. Ends the saga successfully.
 *
 * @param contractId the contract
 * @param customerId the customer
 */
@EventType(value = "contracts.contract-activated", topic = "contracts")
public record ContractActivated(@EventKey String contractId, String customerId) implements ContractEvent {}

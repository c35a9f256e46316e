package dev.chorus.examples.saga;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * A customer signed a contract; it is not active until the customer check passed. Starts the saga.
 *
 * @param contractId the contract
 * @param customerId the customer
 * @param product the subscribed product
 * @param monthlyFeeCents the monthly fee, in cents
 */
@EventType(value = "contracts.contract-created", topic = "contracts")
public record ContractCreated(@EventKey String contractId, String customerId, String product, long monthlyFeeCents)
    implements ContractEvent {}

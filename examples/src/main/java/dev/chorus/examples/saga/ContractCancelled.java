package dev.chorus.examples.saga;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The compensating event: the contract is cancelled because a later step of the saga failed, and
 * every participant undoes what it did for it.
 *
 * @param contractId the contract
 * @param customerId the customer
 * @param reason why
 */
@EventType(value = "contracts.contract-cancelled", topic = "contracts")
public record ContractCancelled(@EventKey String contractId, String customerId, String reason)
    implements ContractEvent {}

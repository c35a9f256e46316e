package dev.chorus.examples.saga;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The customer of a new contract failed the identity or credit check.
 *
 * @param contractId the contract
 * @param customerId the customer
 * @param reason why
 */
@EventType(value = "customer-checks.failed", topic = "customer-checks")
public record CustomerCheckFailed(@EventKey String contractId, String customerId, String reason)
    implements CustomerCheckResult {}

package dev.chorus.examples.saga;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The customer of a new contract passed the identity and credit check.
 *
 * @param contractId the contract
 * @param customerId the customer
 * @param creditScore the credit bureau's score
 */
@EventType(value = "customer-checks.passed", topic = "customer-checks")
public record CustomerCheckPassed(@EventKey String contractId, String customerId, int creditScore)
    implements CustomerCheckResult {}

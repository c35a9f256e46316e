package dev.chorus.examples.payments;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The loyalty service credited a customer with points for a payment. Keyed by customer id, so a
 * customer's balance changes are in order.
 *
 * @param customerId the customer
 * @param paymentId the payment that earned the points
 * @param points the points credited
 * @param balance the customer's balance afterwards
 */
@EventType(value = "loyalty.points-awarded", topic = "loyalty")
public record PointsAwarded(@EventKey String customerId, String paymentId, long points, long balance) {}

package dev.chorus.examples.payments;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The order service created an order for a validated payment. Keyed by order id.
 *
 * @param orderId the new order
 * @param paymentId the payment that paid for it
 * @param customerId the customer
 * @param amountCents the order total, in cents
 * @param currency ISO 4217 code
 */
@EventType(value = "orders.order-created", topic = "orders")
public record OrderCreated(@EventKey String orderId, String paymentId, String customerId, long amountCents,
    String currency) {}

package dev.chorus.examples.orders;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * A customer placed an order.
 *
 * @param orderId the order
 * @param customerId the customer
 * @param sku the article ordered
 * @param quantity how many
 * @param totalCents the order total, in cents
 * @param revision always 1
 */
@EventType(value = "sales.order-created", topic = "sales.orders")
public record OrderCreated(@EventKey String orderId, String customerId, String sku, int quantity, long totalCents,
    int revision) implements OrderEvent {}

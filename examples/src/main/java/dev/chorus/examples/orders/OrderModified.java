package dev.chorus.examples.orders;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The customer changed the quantity of an order.
 *
 * @param orderId the order
 * @param quantity the new quantity
 * @param totalCents the new total, in cents
 * @param revision the order's revision after the change
 */
@EventType(value = "sales.order-modified", topic = "sales.orders")
public record OrderModified(@EventKey String orderId, int quantity, long totalCents, int revision)
    implements OrderEvent {}

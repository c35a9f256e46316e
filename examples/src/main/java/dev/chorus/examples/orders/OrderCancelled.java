package dev.chorus.examples.orders;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The customer cancelled an order; nothing follows.
 *
 * @param orderId the order
 * @param reason why, as the customer said
 * @param revision the order's revision after the cancellation
 */
@EventType(value = "sales.order-cancelled", topic = "sales.orders")
public record OrderCancelled(@EventKey String orderId, String reason, int revision) implements OrderEvent {}

package dev.chorus.examples.payments;

import dev.chorus.EventKey;
import dev.chorus.EventType;
import java.time.Instant;

/**
 * The payment service validated a customer's payment for an order (card authorised, fraud checks
 * passed). Keyed by payment id.
 *
 * @param paymentId the payment
 * @param orderId the order (cart) the payment is for
 * @param customerId who paid
 * @param amountCents how much, in cents
 * @param currency ISO 4217 code
 * @param validatedAt when the payment was validated
 */
@EventType(value = "payments.payment-validated", topic = "payments")
public record PaymentValidated(@EventKey String paymentId, String orderId, String customerId, long amountCents,
    String currency, Instant validatedAt) {}

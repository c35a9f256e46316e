package dev.chorus.examples.payments;

import dev.chorus.EventBus;
import dev.chorus.PublishReceipt;
import java.util.Objects;

/**
 * The payment service: once a payment is validated it announces it, and knows nothing about who
 * listens. Adding a consumer never changes it.
 */
final class PaymentService {

  private final EventBus bus;

  PaymentService(EventBus bus) {
    this.bus = Objects.requireNonNull(bus, "bus");
  }

  /**
   * Publishes a validated payment and waits until the transport has durably accepted it.
   *
   * @param payment the payment
   * @return where it was stored
   */
  PublishReceipt paymentValidated(PaymentValidated payment) {
    if (payment.amountCents() <= 0) {
      throw new IllegalArgumentException("a validated payment has a positive amount: " + payment);
    }
    return bus.publish(payment).join();
  }
}

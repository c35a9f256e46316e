package dev.chorus.testkit;

import dev.chorus.EventBus;
import dev.chorus.EventKey;
import dev.chorus.EventType;
import dev.chorus.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** The events and the service that the testkit's own tests exercise. */
final class Shop {

  private Shop() {}

  /** A payment that passed validation. */
  @EventType(value = "shop.payment-validated", topic = "shop.payments")
  public record PaymentValidated(@EventKey String paymentId, String orderId, long amountCents) {}

  /** Published while handling a payment. */
  @EventType(value = "shop.order-created", topic = "shop.orders")
  public record OrderCreated(@EventKey String orderId, String paymentId) {}

  /** Published while handling an order: the third link of a chain. */
  @EventType(value = "shop.invoice-sent", topic = "shop.invoices")
  public record InvoiceSent(@EventKey String orderId) {}

  /** Shares the payments topic but no subscription asks for it: skipped. */
  @EventType(value = "shop.payment-audited", topic = "shop.payments")
  public record PaymentAudited(@EventKey String paymentId) {}

  /** An event Jackson cannot serialize: its publish fails. */
  @EventType(value = "shop.broken", topic = "shop.broken")
  public static final class Unserializable {
    /**
     * Fails on serialization.
     *
     * @return never
     */
    public String getValue() {
      throw new IllegalStateException("cannot serialize me");
    }

    @Override
    public String toString() {
      return "Unserializable[]";
    }
  }

  static PaymentValidated payment(String n) {
    return new PaymentValidated("p" + n, "o" + n, 1000);
  }

  /** A dependency that throws {@code IllegalStateException("inventory unavailable")} for its first calls. */
  static final class FlakyInventory {
    private final AtomicInteger calls = new AtomicInteger();
    private final int failures;

    FlakyInventory(int failures) {
      this.failures = failures;
    }

    void reserve() {
      if (calls.incrementAndGet() <= failures) {
        throw new IllegalStateException("inventory unavailable");
      }
    }

    int calls() {
      return calls.get();
    }
  }

  /** Group "orders": reserves stock, then publishes {@link OrderCreated}. */
  static void orderService(EventBus bus, FlakyInventory inventory, RetryPolicy retry) {
    bus.subscribe(PaymentValidated.class).group("orders").retry(retry).handle((payment, ctx) -> {
      inventory.reserve();
      ctx.publish(new OrderCreated(payment.orderId(), payment.paymentId()));
    });
  }

  /** The retry policy of the scenario: three attempts, 10 s then 20 s apart. */
  static RetryPolicy tenSecondBackoff() {
    return RetryPolicy.exponential(3, Duration.ofSeconds(10));
  }
}

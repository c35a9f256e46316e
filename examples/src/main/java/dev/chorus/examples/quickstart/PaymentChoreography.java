package dev.chorus.examples.quickstart;

import dev.chorus.DeadLetter;
import dev.chorus.DeadLetterPolicy;
import dev.chorus.EventBus;
import dev.chorus.EventBusListener;
import dev.chorus.EventKey;
import dev.chorus.EventMetadata;
import dev.chorus.EventType;
import dev.chorus.NonRetryableException;
import dev.chorus.PublishReceipt;
import dev.chorus.RetryPolicy;
import dev.chorus.StartPosition;
import dev.chorus.inmemory.InMemoryTransport;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A payment choreography: a validated payment makes the order service create an order and the
 * loyalty service add points. The order service's stock check fails twice ("429") before it
 * succeeds; a payment for an unknown customer is rejected and dead-lettered. No service calls
 * another: they share only the event types and the bus.
 */
public final class PaymentChoreography {

  /** A payment passed validation. */
  @EventType(value = "payments.payment-validated", topic = "payments")
  public record PaymentValidated(@EventKey String paymentId, String orderId, String customerId, long amountCents) {}

  /** The order service created an order for a payment. */
  @EventType(value = "orders.order-created", topic = "orders")
  public record OrderCreated(@EventKey String orderId, String paymentId, long amountCents) {}

  private PaymentChoreography() {}

  /**
   * Runs the scenario and prints a narrative.
   *
   * @param out where to print
   * @throws InterruptedException if interrupted while waiting
   */
  public static void run(PrintStream out) throws InterruptedException {
    out.println("== Payment choreography (in memory) ==");
    try (EventBus bus = EventBus.builder()
        .transport(InMemoryTransport.create())
        .source("payment-service")
        .listener(new Narrator(out))
        .build()) {

      AtomicInteger stockCalls = new AtomicInteger();
      bus.subscribe(PaymentValidated.class)
          .group("order-service")
          .retry(RetryPolicy.exponential(4, Duration.ofMillis(50)))
          .deadLetter(DeadLetterPolicy.deadLetterTopic())
          .handle((payment, ctx) -> {
            if (payment.customerId().isBlank()) {
              throw new NonRetryableException("payment " + payment.paymentId() + " has no customer");
            }
            if (payment.paymentId().equals("p2") && stockCalls.incrementAndGet() <= 2) {
              throw new IllegalStateException("stock service answered 429 Too Many Requests");
            }
            ctx.publish(new OrderCreated(payment.orderId(), payment.paymentId(), payment.amountCents()));
          });

      Map<String, Long> points = new ConcurrentHashMap<>();
      bus.subscribe(PaymentValidated.class)
          .group("loyalty-service")
          .handle((payment, ctx) -> {
            if (!payment.customerId().isBlank()) {
              points.merge(payment.customerId(), payment.amountCents() / 100, Long::sum);
            }
          });

      bus.subscribe(OrderCreated.class)
          .group("shipping-service")
          .startFrom(StartPosition.EARLIEST)
          .handle((order, ctx) -> out.printf("  shipping-service   prepares a parcel for %s (correlation %s)%n",
              order.orderId(), ctx.metadata().correlationId().substring(0, 8)));

      bus.publish(new PaymentValidated("p1", "o1", "alice", 1999));
      bus.publish(new PaymentValidated("p2", "o2", "bob", 4500));
      bus.publish(new PaymentValidated("p3", "o3", "", 100));

      if (!bus.awaitIdle(Duration.ofSeconds(30))) {
        throw new IllegalStateException("the example did not finish within 30 s");
      }
      out.println("  loyalty points: " + new java.util.TreeMap<>(points));
      out.println();
      out.println("Flow map (Mermaid):");
      out.println(bus.flow().toMermaid());
    }
  }

  /** Prints what the bus does, as it happens. */
  private static final class Narrator implements EventBusListener {
    private final PrintStream out;

    Narrator(PrintStream out) {
      this.out = out;
    }

    @Override
    public void onPublished(EventMetadata metadata, PublishReceipt receipt) {
      out.printf("  %-18s published %s %s to %s-%d@%d%n", metadata.causationId() == null ? metadata.source()
          : "(while handling)", metadata.type(), metadata.key(), receipt.topic(), receipt.partition(), receipt.offset());
    }

    @Override
    public void onHandled(EventMetadata metadata, String group, int attempt, Duration duration) {
      out.printf("  %-18s handled %s %s (attempt %d)%n", group, metadata.type(), metadata.key(), attempt);
    }

    @Override
    public void onRetryScheduled(EventMetadata metadata, String group, int attempt, Duration delay, Throwable cause) {
      out.printf("  %-18s attempt %d of %s %s failed (%s); retry in %d ms%n", group, attempt, metadata.type(),
          metadata.key(), cause.getMessage(), delay.toMillis());
    }

    @Override
    public void onDeadLettered(DeadLetter deadLetter, String topic) {
      out.printf("  %-18s dead-lettered %s %s to %s: %s after %d attempt(s): %s%n", deadLetter.group(),
          deadLetter.metadata().type(), deadLetter.metadata().key(), topic, deadLetter.failure().reason(),
          deadLetter.failure().attempts(), deadLetter.failure().message());
    }
  }
}

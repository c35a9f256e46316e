package dev.chorus.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PaymentChoreographyTest {

  @Test
  void narratesRetriesDeadLettersAndTheFlowMapOfWhatRan() throws InterruptedException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PaymentChoreography.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().map(String::strip).toList();

    assertThat(lines).filteredOn(line -> line.startsWith("payment-service")).hasSize(3);
    assertThat(lines).contains(
        "order-service      attempt 1 of payments.payment-validated p2 failed (stock service answered 429 Too Many "
            + "Requests); retry in 50 ms",
        "order-service      attempt 2 of payments.payment-validated p2 failed (stock service answered 429 Too Many "
            + "Requests); retry in 100 ms",
        "order-service      handled payments.payment-validated p2 (attempt 3)",
        "order-service      dead-lettered payments.payment-validated p3 to payments.order-service.dlt: NON_RETRYABLE "
            + "after 1 attempt(s): payment p3 has no customer",
        "loyalty points: {alice=19, bob=45}",
        "t_payments_payment_validated --> g_order_service",
        "t_payments_payment_validated --> g_loyalty_service",
        "t_orders_order_created --> g_shipping_service",
        "g_order_service -- \"2\" --> t_orders_order_created");
    assertThat(lines).filteredOn(line -> line.startsWith("shipping-service   prepares a parcel")).hasSize(2);
    assertThat(lines).filteredOn(line -> line.contains("handled payments.payment-validated p3")).containsExactly(
        "loyalty-service    handled payments.payment-validated p3 (attempt 1)");
  }
}

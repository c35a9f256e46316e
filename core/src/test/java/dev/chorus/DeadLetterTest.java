package dev.chorus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeadLetterTest {

  static {
    // Test events live in this (patched) module; let Jackson reflect on them as a user's module would.
    DeadLetterTest.class.getModule().addOpens(DeadLetterTest.class.getPackageName(),
        ObjectMapper.class.getModule());
  }

  record PaymentValidated(String paymentId, String orderId, long amountCents) {}

  private static final EventMetadata METADATA = new EventMetadata("e-1", "payments.payment-validated", "payments",
      Instant.parse("2026-02-03T04:05:06Z"), "p1", "e-1", null, Map.of("tenant", "acme"));
  private static final DeadLetter.Failure FAILURE = new DeadLetter.Failure(DeadLetter.Reason.HANDLER_FAILED,
      "java.lang.IllegalStateException", "boom", "java.lang.IllegalStateException: boom", 3,
      Instant.parse("2026-02-03T04:05:07Z"), Instant.parse("2026-02-03T04:05:09Z"));

  private static DeadLetter deadLetter(byte[] payload) {
    return new DeadLetter(payload, METADATA, "orders", "payments", 2, 41L, FAILURE);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void mutatingTheArrayPassedInDoesNotChangeThePayload() {
    byte[] bytes = utf8("{\"paymentId\":\"p1\"}");
    DeadLetter letter = deadLetter(bytes);

    bytes[0] = 'X';

    assertThat(letter.payload()).isEqualTo(utf8("{\"paymentId\":\"p1\"}"));
  }

  @Test
  void mutatingTheReturnedArrayDoesNotChangeThePayload() {
    DeadLetter letter = deadLetter(utf8("abc"));

    byte[] returned = letter.payload();
    returned[0] = 'X';

    assertThat(letter.payload()).isEqualTo(utf8("abc"));
    assertThat(letter.payload()).isNotSameAs(letter.payload());
  }

  @Test
  void deadLettersWithEqualPayloadBytesAreEqual() {
    DeadLetter first = deadLetter(utf8("abc"));
    DeadLetter second = deadLetter(utf8("abc"));

    assertThat(first).isEqualTo(second);
    assertThat(first.hashCode()).isEqualTo(second.hashCode());
  }

  @Test
  void deadLettersDifferingInAnyComponentAreNotEqual() {
    DeadLetter base = deadLetter(utf8("abc"));

    assertThat(base).isNotEqualTo(deadLetter(utf8("abd")));
    assertThat(base).isNotEqualTo(new DeadLetter(utf8("abc"), METADATA, "other", "payments", 2, 41L, FAILURE));
    assertThat(base).isNotEqualTo(new DeadLetter(utf8("abc"), METADATA, "orders", "other", 2, 41L, FAILURE));
    assertThat(base).isNotEqualTo(new DeadLetter(utf8("abc"), METADATA, "orders", "payments", 3, 41L, FAILURE));
    assertThat(base).isNotEqualTo(new DeadLetter(utf8("abc"), METADATA, "orders", "payments", 2, 42L, FAILURE));
    assertThat(base).isNotEqualTo(new DeadLetter(utf8("abc"), METADATA, "orders", "payments", 2, 41L,
        new DeadLetter.Failure(DeadLetter.Reason.NON_RETRYABLE, "java.lang.IllegalStateException", "boom",
            "java.lang.IllegalStateException: boom", 3, FAILURE.firstFailure(), FAILURE.lastFailure())));
    assertThat(base).isNotEqualTo(new DeadLetter(utf8("abc"), new EventMetadata("e-2", METADATA.type(),
        METADATA.source(), METADATA.time(), METADATA.key(), METADATA.correlationId(), null, METADATA.headers()),
        "orders", "payments", 2, 41L, FAILURE));
    assertThat(base).isNotEqualTo(null);
  }

  @Test
  void payloadOfClassDecodesTheOriginalEvent() {
    DeadLetter letter = deadLetter(utf8("{\"paymentId\":\"p1\",\"orderId\":\"o1\",\"amountCents\":1999}"));

    assertThat(letter.payload(PaymentValidated.class)).isEqualTo(new PaymentValidated("p1", "o1", 1999));
  }

  @Test
  void payloadOfClassThrowsChorusExceptionForBytesThatDoNotDecode() {
    DeadLetter letter = deadLetter(utf8("{\"paymentId\":"));

    assertThatThrownBy(() -> letter.payload(PaymentValidated.class)).isInstanceOf(ChorusException.class)
        .hasMessageStartingWith("cannot decode 13 bytes as " + PaymentValidated.class.getName());
  }

  @Test
  void rejectsMissingComponents() {
    assertThatNullPointerException().isThrownBy(
        () -> new DeadLetter(null, METADATA, "orders", "payments", 0, 0, FAILURE)).withMessage("payload");
    assertThatNullPointerException().isThrownBy(
        () -> new DeadLetter(new byte[0], null, "orders", "payments", 0, 0, FAILURE)).withMessage("metadata");
    assertThatNullPointerException().isThrownBy(
        () -> new DeadLetter(new byte[0], METADATA, null, "payments", 0, 0, FAILURE)).withMessage("group");
    assertThatNullPointerException().isThrownBy(
        () -> new DeadLetter(new byte[0], METADATA, "orders", null, 0, 0, FAILURE)).withMessage("topic");
    assertThatNullPointerException().isThrownBy(
        () -> new DeadLetter(new byte[0], METADATA, "orders", "payments", 0, 0, null)).withMessage("failure");
  }

  @Test
  void failureRejectsNegativeAttemptsAndMissingParts() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    assertThatIllegalArgumentException().isThrownBy(() -> new DeadLetter.Failure(DeadLetter.Reason.UNDECODABLE,
        "x.Y", "", "", -1, now, now)).withMessage("attempts cannot be negative: -1");
    assertThatNullPointerException().isThrownBy(() -> new DeadLetter.Failure(null, "x.Y", "", "", 0, now, now))
        .withMessage("reason");
    assertThatNullPointerException().isThrownBy(() -> new DeadLetter.Failure(DeadLetter.Reason.UNDECODABLE,
        "x.Y", null, "", 0, now, now)).withMessage("message");
    assertThatNullPointerException().isThrownBy(() -> new DeadLetter.Failure(DeadLetter.Reason.UNDECODABLE,
        "x.Y", "", "", 0, now, null)).withMessage("lastFailure");
  }

  @Test
  void toStringSummarisesTheFailure() {
    assertThat(deadLetter(utf8("abc"))).hasToString("DeadLetter[HANDLER_FAILED payments.payment-validated e-1 "
        + "from payments-2@41 in group orders, 3 attempt(s), java.lang.IllegalStateException: boom, "
        + "3 payload bytes]");
  }
}

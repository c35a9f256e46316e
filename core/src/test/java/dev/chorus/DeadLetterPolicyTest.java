package dev.chorus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeadLetterPolicyTest {

  @Test
  void deadLetterTopicNamesOneTopicPerSourceTopicAndGroup() {
    DeadLetterPolicy policy = DeadLetterPolicy.deadLetterTopic();

    assertThat(policy.action()).isEqualTo(DeadLetterPolicy.Action.PUBLISH);
    assertThat(policy.destination("orders", "billing")).isEqualTo("orders.billing.dlt");
    assertThat(policy.destination("payments.v2", "loyalty-service")).isEqualTo("payments.v2.loyalty-service.dlt");
    assertThat(policy).hasToString("DeadLetterPolicy.deadLetterTopic()");
  }

  @Test
  void toTopicSendsEveryDeadLetterToTheNamedTopic() {
    DeadLetterPolicy policy = DeadLetterPolicy.toTopic("payments-dlt");

    assertThat(policy.action()).isEqualTo(DeadLetterPolicy.Action.PUBLISH);
    assertThat(policy.destination("orders", "billing")).isEqualTo("payments-dlt");
    assertThat(policy.destination("payments", "analytics")).isEqualTo("payments-dlt");
    assertThat(policy).hasToString("DeadLetterPolicy.toTopic(payments-dlt)");
  }

  @Test
  void toTopicAcceptsEveryKafkaTopicCharacterUpTo249Characters() {
    String longest = "t".repeat(249);

    assertThat(DeadLetterPolicy.toTopic("Orders_v2.dead-letters").destination("x", "y"))
        .isEqualTo("Orders_v2.dead-letters");
    assertThat(DeadLetterPolicy.toTopic(longest).destination("x", "y")).isEqualTo(longest);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "has space", "a/b", "orders:dlt", "ordérs", "tab\t", "star*", ".", ".."})
  void toTopicRejectsInvalidTopicNames(String topic) {
    assertThatIllegalArgumentException().isThrownBy(() -> DeadLetterPolicy.toTopic(topic))
        .withMessage("not a valid topic name (letters, digits, '.', '_', '-', at most 249, not '.' or '..'): '" + topic
            + "'");
  }

  @Test
  void toTopicRejectsATopicNameOf250Characters() {
    String tooLong = "t".repeat(250);

    assertThatIllegalArgumentException().isThrownBy(() -> DeadLetterPolicy.toTopic(tooLong))
        .withMessageContaining("'" + tooLong + "'");
  }

  @Test
  void toTopicRejectsNull() {
    assertThatNullPointerException().isThrownBy(() -> DeadLetterPolicy.toTopic(null)).withMessage("topic");
  }

  @Test
  void discardWritesNoDeadLetter() {
    DeadLetterPolicy policy = DeadLetterPolicy.discard();

    assertThat(policy.action()).isEqualTo(DeadLetterPolicy.Action.DISCARD);
    assertThat(policy.destination("orders", "billing")).isNull();
    assertThat(policy).hasToString("DeadLetterPolicy.discard()");
  }

  @Test
  void stopSubscriptionWritesNoDeadLetter() {
    DeadLetterPolicy policy = DeadLetterPolicy.stopSubscription();

    assertThat(policy.action()).isEqualTo(DeadLetterPolicy.Action.STOP);
    assertThat(policy.destination("orders", "billing")).isNull();
    assertThat(policy).hasToString("DeadLetterPolicy.stopSubscription()");
  }
}

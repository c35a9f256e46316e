package dev.chorus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PublishOptionsTest {

  @Test
  void defaultsHaveNoKeyNoHeadersAndNoCorrelationId() {
    PublishOptions options = PublishOptions.defaults();

    assertThat(options.key()).isNull();
    assertThat(options.headers()).isEmpty();
    assertThat(options.correlationId()).isNull();
  }

  @Test
  void keyFactorySetsOnlyTheKey() {
    PublishOptions options = PublishOptions.key("o1");

    assertThat(options.key()).isEqualTo("o1");
    assertThat(options.headers()).isEmpty();
    assertThat(options.correlationId()).isNull();
  }

  @Test
  void withKeyReplacesTheKeyAndKeepsTheRest() {
    PublishOptions original = PublishOptions.key("o1").header("tenant", "acme").correlationId("req-7");

    PublishOptions rekeyed = original.withKey("o2");

    assertThat(rekeyed.key()).isEqualTo("o2");
    assertThat(rekeyed.headers()).containsExactly(entry("tenant", "acme"));
    assertThat(rekeyed.correlationId()).isEqualTo("req-7");
    assertThat(original.key()).isEqualTo("o1");
  }

  @Test
  void headerAddsHeadersAndReplacesOneOfTheSameName() {
    PublishOptions options = PublishOptions.defaults()
        .header("tenant", "acme")
        .header("region", "eu")
        .header("tenant", "globex");

    assertThat(options.headers()).containsOnly(entry("tenant", "globex"), entry("region", "eu"));
  }

  @Test
  void correlationIdIsKeptWithKeyAndHeaders() {
    PublishOptions options = PublishOptions.key("o1").correlationId("req-1").header("tenant", "acme");

    assertThat(options.correlationId()).isEqualTo("req-1");
    assertThat(options.key()).isEqualTo("o1");
    assertThat(options.headers()).containsExactly(entry("tenant", "acme"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ce_id", "ce_type", "ce_custom", "CE_ID", "Ce_Time", "kafka_dlt-original-topic",
      "KAFKA_DLT-exception-message", "kafka_dlt-anything", "chorus-dlt-reason", "chorus-trace", "CHORUS-x",
      "content-type", "Content-Type", "CONTENT-TYPE"})
  void rejectsReservedHeaderNamesWhateverTheirCase(String name) {
    assertThatIllegalArgumentException().isThrownBy(() -> PublishOptions.defaults().header(name, "v"))
        .withMessage("header name is reserved for Chorus: '" + name
            + "' (names starting with ce_, kafka_dlt- or chorus-, and content-type)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ce-id", "cex", "kafka_dlt_original", "kafka-dlt-x", "chorus_x", "chorus", "content-type2",
      "x-content-type", "contenttype", "tenant", "a"})
  void acceptsHeaderNamesThatOnlyResembleReservedOnes(String name) {
    assertThat(PublishOptions.defaults().header(name, "v").headers()).containsExactly(entry(name, "v"));
  }

  @Test
  void rejectsEmptyAndOverlongHeaderNames() {
    String longest = "n".repeat(200);

    assertThatIllegalArgumentException().isThrownBy(() -> PublishOptions.defaults().header("", "v"))
        .withMessage("header name must have 1 to 200 characters: ''");
    assertThatIllegalArgumentException().isThrownBy(() -> PublishOptions.defaults().header(longest + "n", "v"))
        .withMessage("header name must have 1 to 200 characters: '" + longest + "n'");
    assertThat(PublishOptions.defaults().header(longest, "v").headers()).containsOnlyKeys(longest);
  }

  @Test
  void rejectsHeaderValuesLongerThan64KiB() {
    String longest = "v".repeat(64 * 1024);

    assertThat(PublishOptions.defaults().header("blob", longest).headers().get("blob")).hasSize(65_536);
    assertThatIllegalArgumentException().isThrownBy(() -> PublishOptions.defaults().header("blob", longest + "v"))
        .withMessage("header 'blob' value cannot exceed 65536 bytes of UTF-8: 65537");
  }

  @Test
  void countsHeaderValueLimitInUtf8BytesNotCharacters() {
    assertThatIllegalArgumentException().isThrownBy(() -> PublishOptions.defaults().header("blob", "é".repeat(32_769)))
        .withMessage("header 'blob' value cannot exceed 65536 bytes of UTF-8: 65538");
  }

  @Test
  void acceptsAnEmptyHeaderValue() {
    assertThat(PublishOptions.defaults().header("flag", "").headers()).containsExactly(entry("flag", ""));
  }

  @Test
  void rejectsNullsNamingTheArgument() {
    assertThatNullPointerException().isThrownBy(() -> PublishOptions.key(null)).withMessage("key");
    assertThatNullPointerException().isThrownBy(() -> PublishOptions.defaults().withKey(null)).withMessage("key");
    assertThatNullPointerException().isThrownBy(() -> PublishOptions.defaults().header(null, "v"))
        .withMessage("name");
    assertThatNullPointerException().isThrownBy(() -> PublishOptions.defaults().header("n", null))
        .withMessage("value");
    assertThatNullPointerException().isThrownBy(() -> PublishOptions.defaults().correlationId(null))
        .withMessage("correlationId");
  }

  @Test
  void headersCannotBeModifiedThroughTheAccessor() {
    Map<String, String> headers = PublishOptions.defaults().header("tenant", "acme").headers();

    assertThatThrownBy(() -> headers.put("tenant", "evil")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> PublishOptions.defaults().headers().put("ce_id", "x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void withersReturnNewOptionsAndLeaveTheOriginalUnchanged() {
    PublishOptions original = PublishOptions.key("o1").header("tenant", "acme");

    PublishOptions withHeader = original.header("region", "eu");
    PublishOptions withCorrelation = original.correlationId("req-1");
    PublishOptions withKey = original.withKey("o2");

    assertThat(withHeader).isNotSameAs(original);
    assertThat(withCorrelation).isNotSameAs(original);
    assertThat(withKey).isNotSameAs(original);
    assertThat(original.key()).isEqualTo("o1");
    assertThat(original.headers()).containsExactly(entry("tenant", "acme"));
    assertThat(original.correlationId()).isNull();
    assertThat(PublishOptions.defaults().headers()).isEmpty();
    assertThat(PublishOptions.defaults().key()).isNull();
  }

  @Test
  void optionsWithTheSameContentsAreEqualWhateverTheHeaderOrder() {
    PublishOptions first = PublishOptions.key("o1").header("a", "1").header("b", "2").correlationId("c");
    PublishOptions second = PublishOptions.defaults().correlationId("c").header("b", "2").header("a", "1")
        .withKey("o1");

    assertThat(first).isEqualTo(second);
    assertThat(first.hashCode()).isEqualTo(second.hashCode());
    assertThat(PublishOptions.defaults()).isEqualTo(PublishOptions.defaults());
  }

  @Test
  void optionsThatDifferInAnyPartAreNotEqual() {
    PublishOptions base = PublishOptions.key("o1").header("a", "1").correlationId("c");

    assertThat(base).isNotEqualTo(base.withKey("o2"));
    assertThat(base).isNotEqualTo(base.header("a", "2"));
    assertThat(base).isNotEqualTo(base.header("b", "1"));
    assertThat(base).isNotEqualTo(base.correlationId("d"));
    assertThat(base).isNotEqualTo(PublishOptions.defaults().header("a", "1").correlationId("c"));
    assertThat(base).isNotEqualTo(null);
    assertThat(base).isNotEqualTo("o1");
  }
}

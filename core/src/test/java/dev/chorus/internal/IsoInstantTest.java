package dev.chorus.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IsoInstantTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "2026-11-23T09:49:02Z",
      "2026-11-23T09:49:02.1Z",
      "2026-11-23T09:49:02.12Z",
      "2026-11-23T09:49:02.123Z",
      "2026-11-23T09:49:02.1234Z",
      "2026-11-23T09:49:02.12345Z",
      "2026-11-23T09:49:02.123456Z",
      "2026-11-23T09:49:02.1234567Z",
      "2026-11-23T09:49:02.12345678Z",
      "2026-11-23T09:49:02.123456789Z",
      "2026-11-23T09:49:02.000000000Z",
      "1970-01-01T00:00:00Z",
      "1969-12-31T23:59:59.999999999Z",
      "0000-01-01T00:00:00Z",
      "9999-12-31T23:59:59.999999999Z",
      "2024-02-29T12:00:00Z",
      "2000-02-29T12:00:00Z",
      "1600-03-01T00:00:00Z",
  })
  void parsesTheCommonFormWithZeroToNineFractionDigitsLikeTheJdk(String text) {
    assertThat(IsoInstant.parse(text)).isEqualTo(Instant.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "2026-11-23T10:49:02+01:00",
      "2026-11-23T09:49:02.5-00:30",
      "2026-11-23T09:49:02+00:00",
      "2026-11-23t09:49:02z",
      "2026-11-23T23:59:60Z",
      "2026-11-23T24:00:00Z",
      "2026-11-23T09:49:02.Z",
      "+10000-01-01T00:00:00Z",
      "-0001-01-01T00:00:00Z",
  })
  void leavesOtherFormsToTheJdkParser(String text) {
    assertThat(IsoInstant.parse(text)).isEqualTo(Instant.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "yesterday",
      "2026-11-23",
      "2026-11-23T09:49Z",
      "2026-11-23T09:49:02",
      "2026-11-23T09:49:02.1234567890Z",
      "2026-13-01T00:00:00Z",
      "2026-00-01T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "1900-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-11-23T24:00:01Z",
      "2026-11-23T09:60:00Z",
      "2026-11-23T09:49:61Z",
      "2026-11-23 09:49:02Z",
      "2026-11-23T09:49:02.12a4Z",
      "2026-1a-23T09:49:02Z",
      "２026-11-23T09:49:02Z",
      "2026-11-23T09:49:02ZZ",
  })
  void rejectsExactlyWhatTheJdkParserRejects(String text) {
    assertThatThrownBy(() -> Instant.parse(text)).isInstanceOf(DateTimeParseException.class);
    assertThatThrownBy(() -> IsoInstant.parse(text)).isInstanceOf(DateTimeParseException.class);
  }

  @Test
  void agreesWithTheJdkOnRandomInstantsBothWays() {
    SplittableRandom random = new SplittableRandom(42);
    long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int i = 0; i < 200_000; i++) {
      int nanos = switch (i % 4) {
        case 0 -> 0;
        case 1 -> random.nextInt(1_000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        default -> random.nextInt(1_000_000_000);
      };
      Instant instant = Instant.ofEpochSecond(random.nextLong(min, max + 1), nanos);
      String text = IsoInstant.format(instant);
      assertThat(text).isEqualTo(instant.toString());
      assertThat(IsoInstant.parse(text)).isEqualTo(instant);
    }
  }

  @Test
  void formatsInstantsOutsideFourDigitYearsLikeTheJdk() {
    for (Instant instant : new Instant[] {Instant.MIN, Instant.MAX, Instant.parse("+10000-01-01T00:00:00Z"),
        Instant.parse("-0001-12-31T23:59:59.5Z"), Instant.EPOCH}) {
      assertThat(IsoInstant.format(instant)).isEqualTo(instant.toString());
    }
  }
}

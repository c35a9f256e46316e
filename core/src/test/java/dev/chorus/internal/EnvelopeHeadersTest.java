package dev.chorus.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chorus.spi.OutgoingRecord;
import dev.chorus.spi.TransportRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvelopeHeadersTest {

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static EnvelopeHeaders of(int count) {
    EnvelopeHeaders.Builder builder = new EnvelopeHeaders.Builder(2);
    for (int i = 0; i < count; i++) {
      builder.put("h" + i, utf8("v" + i));
    }
    return builder.build();
  }

  @Test
  void holdsHeadersInOrderAndARepeatedNameKeepsItsFirstPositionAndItsLastValueLikeALinkedHashMap() {
    byte[] last = utf8("second");
    EnvelopeHeaders headers = new EnvelopeHeaders.Builder(1).put("b", utf8("1")).put("a", utf8("first"))
        .put("c", utf8("3")).put("a", last).build();
    Map<String, byte[]> expected = new LinkedHashMap<>();
    expected.put("b", utf8("1"));
    expected.put("a", utf8("first"));
    expected.put("c", utf8("3"));
    expected.put("a", last);

    assertThat(headers.keySet()).containsExactly("b", "a", "c");
    assertThat(headers).hasSize(3).containsEntry("a", last).doesNotContainKey("d");
    List<String> visited = new ArrayList<>();
    headers.forEach((name, value) -> visited.add(name + "=" + new String(value, StandardCharsets.UTF_8)));
    assertThat(visited).containsExactly("b=1", "a=second", "c=3");
    assertThat(headers.get("d")).isNull();
    assertThat(headers.containsKey("c")).isTrue();
  }

  @Test
  void looksUpManyHeadersThroughAnIndexWithTheSameAnswers() {
    for (int count : new int[] {0, 1, EnvelopeHeaders.SMALL - 1, EnvelopeHeaders.SMALL, EnvelopeHeaders.SMALL + 1,
        300}) {
      EnvelopeHeaders headers = of(count);

      assertThat(headers).as("%d headers", count).hasSize(count);
      for (int i = 0; i < count; i++) {
        assertThat(headers.get("h" + i)).as("h%d of %d", i, count).isEqualTo(utf8("v" + i));
      }
      assertThat(headers.get("h" + count)).isNull();
      assertThat(headers.containsKey("h" + count)).isFalse();
    }
    EnvelopeHeaders replaced = new EnvelopeHeaders.Builder(1).put("x", utf8("old")).build();
    EnvelopeHeaders.Builder many = new EnvelopeHeaders.Builder(1);
    for (int i = 0; i < 40; i++) {
      many.put("h" + i, utf8("v" + i));
    }
    EnvelopeHeaders big = many.put("h3", utf8("new")).build();
    assertThat(big).hasSize(40).containsEntry("h3", utf8("new"));
    assertThat(big.keySet()).startsWith("h0", "h1", "h2", "h3", "h4");
    assertThat(replaced).containsOnlyKeys("x");
  }

  @Test
  void isReadOnlyAndEqualToTheSameHeadersInAnyMap() {
    EnvelopeHeaders headers = of(3);

    assertThatThrownBy(() -> headers.put("x", new byte[0])).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> headers.remove("h0")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> headers.entrySet().iterator().next().setValue(new byte[0]))
        .isInstanceOf(UnsupportedOperationException.class);
    Map<String, byte[]> same = new LinkedHashMap<>(headers);
    assertThat(headers).isEqualTo(same).hasSameHashCodeAs(same);
  }

  @Test
  void recordsKeepTheEngineHeadersAsTheyAreAndCopyAnyOtherMap() {
    EnvelopeHeaders headers = of(2);
    Map<String, byte[]> mutable = new LinkedHashMap<>(headers);

    OutgoingRecord engine = new OutgoingRecord("t", "k", new byte[0], headers);
    OutgoingRecord other = new OutgoingRecord("t", "k", new byte[0], mutable);
    mutable.put("late", new byte[0]);

    assertThat(engine.headers()).isSameAs(headers);
    assertThat(other.headers()).isNotSameAs(mutable).containsOnlyKeys("h0", "h1");
    assertThatThrownBy(() -> other.headers().put("x", new byte[0])).isInstanceOf(UnsupportedOperationException.class);
    TransportRecord stored = new TransportRecord("t", 0, 0, Instant.EPOCH, "k", new byte[0], engine.headers());
    assertThat(stored.headers()).isSameAs(headers);
  }
}

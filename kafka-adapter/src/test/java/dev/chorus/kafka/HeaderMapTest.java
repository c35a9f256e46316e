package dev.chorus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

class HeaderMapTest {

  private static Header header(String name, String value) {
    return new RecordHeader(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  /** What the map must equal: a LinkedHashMap filled header by header, null values as empty arrays. */
  private static Map<String, byte[]> expected(Header[] headers) {
    Map<String, byte[]> map = new LinkedHashMap<>();
    for (Header header : headers) {
      map.put(header.key(), header.value() == null ? new byte[0] : header.value());
    }
    return map;
  }

  private static void assertSameAsLinkedHashMap(Header[] headers) {
    Map<String, byte[]> map = HeaderMap.of(headers);
    Map<String, byte[]> expected = expected(headers);

    assertThat(map).hasSameSizeAs(expected);
    assertThat(List.copyOf(map.keySet())).containsExactlyElementsOf(expected.keySet());
    List<byte[]> values = new ArrayList<>(map.values());
    List<byte[]> expectedValues = new ArrayList<>(expected.values());
    for (int i = 0; i < values.size(); i++) {
      assertThat(values.get(i)).isEqualTo(expectedValues.get(i));
    }
    expected.forEach((name, value) -> {
      assertThat(map.containsKey(name)).isTrue();
      assertThat(map.get(name)).isEqualTo(value);
    });
    List<String> visited = new ArrayList<>();
    map.forEach((name, value) -> {
      visited.add(name);
      assertThat(value).isEqualTo(expected.get(name));
    });
    assertThat(visited).containsExactlyElementsOf(expected.keySet());
    assertThat(map.get("absent")).isNull();
    assertThat(map.containsKey("absent")).isFalse();
    assertThat(map.get(null)).isNull();
  }

  @Test
  void keepsHeadersInOrderAndFindsThemByName() {
    assertSameAsLinkedHashMap(new Header[] {header("ce_specversion", "1.0"), header("ce_id", "e-1"),
        header("ce_type", "orders.placed"), header("tenant", "acme")});
  }

  @Test
  void aRepeatedNameKeepsItsFirstPositionAndItsLastValue() {
    Header[] headers = {header("a", "1"), header("b", "2"), header("a", "3"), header("c", "4"), header("b", "5")};

    assertSameAsLinkedHashMap(headers);
    assertThat(List.copyOf(HeaderMap.of(headers).keySet())).containsExactly("a", "b", "c");
    assertThat(HeaderMap.of(headers).get("a")).isEqualTo("3".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aNullValueIsAnEmptyArray() {
    Map<String, byte[]> map = HeaderMap.of(new Header[] {header("empty", null)});

    assertThat(map.get("empty")).isEmpty();
  }

  @Test
  void manyHeadersGoIntoAHashMapWithTheSameContent() {
    Header[] headers = new Header[HeaderMap.SMALL * 4];
    for (int i = 0; i < headers.length; i++) {
      headers[i] = header("h" + (i % (HeaderMap.SMALL * 3)), Integer.toString(i));
    }

    assertSameAsLinkedHashMap(headers);
    assertThat(HeaderMap.of(headers)).hasSize(HeaderMap.SMALL * 3);
  }

  @Test
  void exactlyTheSmallLimitStaysInArraysAndMatches() {
    Header[] headers = new Header[HeaderMap.SMALL];
    for (int i = 0; i < headers.length; i++) {
      headers[i] = header("h" + i, Integer.toString(i));
    }

    assertThat(HeaderMap.of(headers)).isInstanceOf(HeaderMap.class);
    assertSameAsLinkedHashMap(headers);
  }

  @Test
  void isReadOnlyAndItsIteratorEndsCleanly() {
    Map<String, byte[]> map = HeaderMap.of(new Header[] {header("a", "1")});
    Iterator<Map.Entry<String, byte[]>> entries = map.entrySet().iterator();
    Map.Entry<String, byte[]> entry = entries.next();

    assertThatThrownBy(() -> map.put("b", new byte[0])).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> entry.setValue(new byte[0])).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(entries::remove).isInstanceOf(UnsupportedOperationException.class);
    assertThat(entries.hasNext()).isFalse();
    assertThatThrownBy(entries::next).isInstanceOf(NoSuchElementException.class);
    assertThat(HeaderMap.of(new Header[0])).isEmpty();
  }
}

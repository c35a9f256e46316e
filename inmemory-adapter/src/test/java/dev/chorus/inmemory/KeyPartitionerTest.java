package dev.chorus.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyPartitionerTest {

  @Test
  void murmur2MatchesTheValuesKafkasOwnTestsPin() {
    // From Apache Kafka's UtilsTest.testMurmur2.
    assertThat(murmur2("21")).isEqualTo(-973932308);
    assertThat(murmur2("foobar")).isEqualTo(-790332482);
    assertThat(murmur2("a-little-bit-long-string")).isEqualTo(-985981536);
    assertThat(murmur2("a-little-bit-longer-string")).isEqualTo(-1486304829);
    assertThat(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")).isEqualTo(-58897971);
    assertThat(murmur2("abc")).isEqualTo(479470107);
  }

  @Test
  void partitionMasksTheSignBitOfTheHashLikeKafkasDefaultPartitioner() {
    assertThat(KeyPartitioner.partition("21", 7)).isEqualTo((-973932308 & 0x7fffffff) % 7);
    assertThat(KeyPartitioner.partition("foobar", 4)).isEqualTo((-790332482 & 0x7fffffff) % 4);
    assertThat(KeyPartitioner.partition("abc", 5)).isEqualTo(479470107 % 5);
  }

  @Test
  void partitionHashesTheUtf8BytesOfTheKey() {
    assertThat(KeyPartitioner.partition("zürich-€", 1000))
        .isEqualTo((KeyPartitioner.murmur2("zürich-€".getBytes(StandardCharsets.UTF_8)) & 0x7fffffff) % 1000);
  }

  private static int murmur2(String text) {
    return KeyPartitioner.murmur2(text.getBytes(StandardCharsets.UTF_8));
  }
}

package dev.chorus.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chorus.reliability.Publisher.Acked;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger checks themselves: they must see a loss, a duplicate and a reordering when there is one. */
class VerdictTest {

  @TempDir
  Path dir;

  private final Map<Long, Acked> acked = Map.of(
      0L, new Acked(0, "k0", 0, 0, 10),
      1L, new Acked(1, "k1", 0, 1, 20),
      2L, new Acked(2, "k0", 1, 0, 11),
      3L, new Acked(3, "k1", 1, 1, 21));

  @Test
  void seesLossDuplicatesDeadLettersAndOrderAcrossInstances() throws IOException {
    try (Ledger.Writer a = new Ledger.Writer(dir, "a"); Ledger.Writer b = new Ledger.Writer(dir, "b")) {
      a.call(2, 1, false);
      a.call(0, 1, true);
      a.call(2, 2, true);
      b.call(2, 1, true);
      b.deadLettered(1, "HANDLER_FAILED");
    }
    // A line cut short by a kill -9 has no newline: it is not a call.
    Files.writeString(dir.resolve("a" + Ledger.SUFFIX), "H|a|3|1|O", StandardCharsets.US_ASCII,
        StandardOpenOption.APPEND);

    Verdict verdict = new Verdict(acked, new Ledger.Reader(dir));

    assertThat(verdict.missing()).containsExactly(3L);
    assertThat(verdict.duplicates()).containsOnlyKeys(2L);
    assertThat(verdict.duplicates().get(2L)).extracting(Ledger.Call::instance).containsExactlyInAnyOrder("a", "b");
    assertThat(verdict.deadLettered).containsExactly(1L);
    assertThat(verdict.calls).hasSize(4);
    assertThat(verdict.handledOrderByKey()).isEqualTo(Map.of("k0", List.of(0L, 1L, 1L)));
    assertThat(verdict.publishedOrderByKey()).isEqualTo(Map.of("k0", List.of(0L, 1L), "k1", List.of(0L, 1L)));
  }

  @Test
  void theReaderReadsOnlyWhatWasAppendedSinceItsLastPoll() throws IOException {
    Ledger.Reader reader = new Ledger.Reader(dir);
    try (Ledger.Writer a = new Ledger.Writer(dir, "a")) {
      a.call(0, 1, true);
      assertThat(reader.poll().callCount()).isEqualTo(1);
      a.call(1, 1, true);
      a.call(2, 1, false);
      assertThat(reader.poll().callCount()).isEqualTo(3);
      assertThat(reader.callCount("a")).isEqualTo(3);
      assertThat(reader.callsFrom(1)).extracting(Ledger.Call::id).containsExactly(1L, 2L);
    }
  }
}

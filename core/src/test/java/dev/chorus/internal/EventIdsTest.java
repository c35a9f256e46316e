package dev.chorus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class EventIdsTest {

  @Test
  void idsAreVersion4UuidsInTheirCanonicalText() {
    for (int i = 0; i < 1_000; i++) {
      String id = EventIds.next();
      UUID uuid = UUID.fromString(id);

      assertThat(uuid.version()).isEqualTo(4);
      assertThat(uuid.variant()).isEqualTo(2);
      assertThat(uuid.toString()).isEqualTo(id);
    }
  }

  @Test
  void idsDoNotRepeatWithinAThreadOrAcrossThreads() {
    int perThread = 100_000;
    Set<String> all = ConcurrentHashMap.newKeySet();
    CompletableFuture<?>[] threads = new CompletableFuture<?>[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = CompletableFuture.runAsync(() -> {
        Set<String> own = new HashSet<>();
        for (int i = 0; i < perThread; i++) {
          own.add(EventIds.next());
        }
        assertThat(own).hasSize(perThread);
        all.addAll(own);
      }, runnable -> new Thread(runnable).start());
    }
    CompletableFuture.allOf(threads).join();

    assertThat(all).hasSize(perThread * threads.length);
  }

  @Test
  void idsAreSpreadOverTheirRandomBits() {
    // Every random hex digit position takes many values: no constant prefix, no counter.
    List<Set<Character>> seen = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      seen.add(new HashSet<>());
    }
    for (int n = 0; n < 2_000; n++) {
      String hex = EventIds.next().replace("-", "");
      for (int i = 0; i < 32; i++) {
        seen.get(i).add(hex.charAt(i));
      }
    }
    for (int i = 0; i < 32; i++) {
      int expected = i == 12 ? 1 : i == 16 ? 4 : 16; // the version digit, the variant digit
      assertThat(seen.get(i)).as("hex digit %d", i).hasSize(expected);
    }
  }
}

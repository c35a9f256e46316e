package dev.chorus.reliability;

import dev.chorus.reliability.Ledger.Call;
import dev.chorus.reliability.Ledger.DeadLettered;
import dev.chorus.reliability.Publisher.Acked;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The ledger read back: what was acknowledged, handled, dead-lettered, lost or duplicated. */
final class Verdict {

  final Map<Long, Acked> acked;
  final List<Call> calls;
  final List<DeadLettered> deadLetters;
  final Map<Long, List<Call>> okById = new HashMap<>();
  final Set<Long> deadLettered = new HashSet<>();

  Verdict(Map<Long, Acked> acked, Ledger.Reader ledger) {
    this.acked = acked;
    ledger.poll();
    this.calls = ledger.calls();
    this.deadLetters = ledger.deadLetters();
    for (Call call : calls) {
      if (call.ok()) {
        okById.computeIfAbsent(call.id(), id -> new ArrayList<>()).add(call);
      }
    }
    for (DeadLettered letter : deadLetters) {
      deadLettered.add(letter.id());
    }
  }

  /** Acknowledged events neither handled nor dead-lettered: the one thing that must never happen. */
  Set<Long> missing() {
    Set<Long> missing = new TreeSet<>();
    for (Long id : acked.keySet()) {
      if (!okById.containsKey(id) && !deadLettered.contains(id)) {
        missing.add(id);
      }
    }
    return missing;
  }

  /** Events handled successfully more than once, with their successful calls. */
  Map<Long, List<Call>> duplicates() {
    Map<Long, List<Call>> duplicates = new TreeMap<>();
    okById.forEach((id, ok) -> {
      if (ok.size() > 1) {
        duplicates.put(id, ok);
      }
    });
    return duplicates;
  }

  /** Ids handled successfully that were never acknowledged to the publisher. */
  Set<Long> handledButNotAcked() {
    Set<Long> extra = new TreeSet<>(okById.keySet());
    extra.removeAll(acked.keySet());
    return extra;
  }

  /**
   * The sequence numbers of each key in the order their first successful handling happened
   * (ordered by wall-clock time across processes).
   */
  Map<String, List<Long>> handledOrderByKey() {
    Map<String, List<Long>> order = new TreeMap<>();
    calls.stream().filter(Call::ok).filter(call -> acked.containsKey(call.id()))
        .sorted(Comparator.comparingLong(Call::micros))
        .forEach(call -> {
          Acked event = acked.get(call.id());
          order.computeIfAbsent(event.key(), k -> new ArrayList<>()).add(event.seq());
        });
    return order;
  }

  /** The sequence numbers of each key's acknowledged events, in publish order. */
  Map<String, List<Long>> publishedOrderByKey() {
    Map<String, List<Long>> order = new TreeMap<>();
    acked.values().stream().sorted(Comparator.comparingLong(Acked::id))
        .forEach(event -> order.computeIfAbsent(event.key(), k -> new ArrayList<>()).add(event.seq()));
    return order;
  }

  /** Waits until every acknowledged event is handled or dead-lettered, as the ledger shows. */
  static void awaitAccounted(Map<Long, Acked> acked, Ledger.Reader ledger, java.time.Duration timeout) {
    Set<Long> open = new HashSet<>(acked.keySet());
    int[] seen = {0, 0};
    Waits.until("every acknowledged event handled or dead-lettered", timeout, () -> {
      ledger.poll();
      List<Call> calls = ledger.callsFrom(seen[0]);
      for (Call call : calls) {
        if (call.ok()) {
          open.remove(call.id());
        }
      }
      seen[0] += calls.size();
      List<DeadLettered> letters = ledger.deadLettersFrom(seen[1]);
      for (DeadLettered letter : letters) {
        open.remove(letter.id());
      }
      seen[1] += letters.size();
      return open.isEmpty();
    }, () -> "(" + open.size() + " of " + acked.size() + " still open, e.g. " + open.stream().limit(10).toList() + ")");
  }

  @Override
  public String toString() {
    return "acked=" + acked.size() + " calls=" + calls.size() + " handledIds=" + okById.size()
        + " deadLetters=" + deadLetters.size() + " missing=" + missing().size() + " duplicates=" + duplicates().size();
  }
}

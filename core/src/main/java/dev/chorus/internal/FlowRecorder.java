package dev.chorus.internal;

import dev.chorus.EventFlow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Collects the edges of {@link EventFlow}: subscriptions, and publishes seen while handling. Thread-safe. */
final class FlowRecorder {

  private record Edge(String group, String type) {}

  private final Set<EventFlow.Consumes> consumes = new LinkedHashSet<>();
  private final Map<Edge, LongAdder> publishes = new ConcurrentHashMap<>();

  synchronized void subscribed(String group, Iterable<EventTypeInfo> types) {
    for (EventTypeInfo type : types) {
      consumes.add(new EventFlow.Consumes(type.name(), type.topic(), group));
    }
  }

  void published(String group, String type) {
    publishes.computeIfAbsent(new Edge(group, type), edge -> new LongAdder()).increment();
  }

  EventFlow snapshot() {
    List<EventFlow.Consumes> consumed;
    synchronized (this) {
      consumed = new ArrayList<>(consumes);
    }
    consumed.sort(Comparator.comparing(EventFlow.Consumes::type).thenComparing(EventFlow.Consumes::group));
    List<EventFlow.Publishes> published = new ArrayList<>();
    publishes.forEach((edge, count) -> published.add(new EventFlow.Publishes(edge.group(), edge.type(), count.sum())));
    published.sort(Comparator.comparing(EventFlow.Publishes::group).thenComparing(EventFlow.Publishes::type));
    return new EventFlow(consumed, published);
  }
}

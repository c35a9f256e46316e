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

/** Collects what {@link EventFlow} shows: types, subscriptions, and publishes by groups and services. Thread-safe. */
final class FlowRecorder {

  private record Edge(String from, String type) {}

  private final Map<String, EventTypeInfo> types = new ConcurrentHashMap<>();
  private final Set<EventFlow.Consumes> consumes = new LinkedHashSet<>();
  private final Map<Edge, LongAdder> publishes = new ConcurrentHashMap<>();
  private final Map<Edge, LongAdder> emits = new ConcurrentHashMap<>();

  synchronized void subscribed(String group, Iterable<EventTypeInfo> subscribed) {
    for (EventTypeInfo type : subscribed) {
      types.putIfAbsent(type.name(), type);
      consumes.add(new EventFlow.Consumes(type.name(), type.topic(), group));
    }
  }

  /** A handler of {@code group} published an event of {@code type}. */
  void published(String group, EventTypeInfo type) {
    types.putIfAbsent(type.name(), type);
    publishes.computeIfAbsent(new Edge(group, type.name()), edge -> new LongAdder()).increment();
  }

  /** The service {@code source} published an event of {@code type} outside any handler. */
  void emitted(String source, EventTypeInfo type) {
    types.putIfAbsent(type.name(), type);
    emits.computeIfAbsent(new Edge(source, type.name()), edge -> new LongAdder()).increment();
  }

  EventFlow snapshot() {
    List<EventFlow.Type> typeList = new ArrayList<>();
    types.values().forEach(t -> typeList.add(new EventFlow.Type(t.name(), t.topic(), t.version(), t.type())));
    typeList.sort(Comparator.comparing(EventFlow.Type::name));
    List<EventFlow.Consumes> consumed;
    synchronized (this) {
      consumed = new ArrayList<>(consumes);
    }
    consumed.sort(Comparator.comparing(EventFlow.Consumes::type).thenComparing(EventFlow.Consumes::group));
    List<EventFlow.Publishes> published = new ArrayList<>();
    publishes.forEach((edge, count) -> published.add(new EventFlow.Publishes(edge.from(), edge.type(), count.sum())));
    published.sort(Comparator.comparing(EventFlow.Publishes::group).thenComparing(EventFlow.Publishes::type));
    List<EventFlow.Emits> emitted = new ArrayList<>();
    emits.forEach((edge, count) -> emitted.add(new EventFlow.Emits(edge.from(), edge.type(), count.sum())));
    emitted.sort(Comparator.comparing(EventFlow.Emits::source).thenComparing(EventFlow.Emits::type));
    return new EventFlow(typeList, consumed, published, emitted);
  }
}

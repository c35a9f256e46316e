package dev.chorus;

import dev.chorus.internal.FlowDocuments;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A snapshot of the choreography a bus has seen, documented by the running code itself: the
 * event types it knows, which groups consume which types (from its subscriptions), which types
 * each group published while handling (observed through {@link EventContext}), and which types
 * the service published from its own code. Immutable.
 *
 * <p>Render it with {@link #toMermaid()} for people, {@link #toJson()} for tools, or
 * {@link #toAsyncApi()} as an AsyncAPI 3.0 document with JSON Schemas of the payloads.
 *
 * @param types the event types published or subscribed to, by name
 * @param consumes one edge per (event type, group) subscription
 * @param publishes one edge per (group, event type) publication seen while handling, with a
 *     count
 * @param emits one edge per (source, event type) publication outside any handler, with a count
 */
public record EventFlow(List<Type> types, List<Consumes> consumes, List<Publishes> publishes, List<Emits> emits) {

  /**
   * An event type the bus knows.
   *
   * @param name the wire type name
   * @param topic its topic
   * @param version its schema version
   * @param javaType the class that carries it
   */
  public record Type(String name, String topic, int version, Class<?> javaType) {
    /**
     * Validates the type.
     *
     * @param name see {@link #name()}
     * @param topic see {@link #topic()}
     * @param version see {@link #version()}
     * @param javaType see {@link #javaType()}
     * @throws NullPointerException if a reference component is null
     */
    public Type {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(javaType, "javaType");
    }
  }

  /**
   * A group consumes an event type.
   *
   * @param type the event type name
   * @param topic the topic it is read from
   * @param group the consuming group
   */
  public record Consumes(String type, String topic, String group) {
    /**
     * Validates the edge.
     *
     * @param type see {@link #type()}
     * @param topic see {@link #topic()}
     * @param group see {@link #group()}
     * @throws NullPointerException if a component is null
     */
    public Consumes {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(group, "group");
    }
  }

  /**
   * A group published an event type while handling an event.
   *
   * @param group the publishing group
   * @param type the published event type name
   * @param count how many such events were published
   */
  public record Publishes(String group, String type, long count) {
    /**
     * Validates the edge.
     *
     * @param group see {@link #group()}
     * @param type see {@link #type()}
     * @param count see {@link #count()}
     * @throws NullPointerException if a reference component is null
     */
    public Publishes {
      Objects.requireNonNull(group, "group");
      Objects.requireNonNull(type, "type");
    }
  }

  /**
   * A service published an event type from its own code, outside any handler.
   *
   * @param source the publishing service ({@code EventBus.Builder#source})
   * @param type the published event type name
   * @param count how many such events were published
   */
  public record Emits(String source, String type, long count) {
    /**
     * Validates the edge.
     *
     * @param source see {@link #source()}
     * @param type see {@link #type()}
     * @param count see {@link #count()}
     * @throws NullPointerException if a reference component is null
     */
    public Emits {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(type, "type");
    }
  }

  /**
   * Copies the lists.
   *
   * @param types see {@link #types()}
   * @param consumes see {@link #consumes()}
   * @param publishes see {@link #publishes()}
   * @param emits see {@link #emits()}
   * @throws NullPointerException if a list is null
   */
  public EventFlow {
    types = List.copyOf(types);
    consumes = List.copyOf(consumes);
    publishes = List.copyOf(publishes);
    emits = List.copyOf(emits);
  }

  /**
   * Renders the flow as a Mermaid flowchart: event types as rounded nodes, groups as boxes,
   * publishing services as parallelograms; edges read "type is consumed by group", "group
   * published type (count)" and "service published type (count)".
   *
   * @return Mermaid text, starting with {@code flowchart LR}
   */
  public String toMermaid() {
    StringBuilder out = new StringBuilder("flowchart LR\n");
    TreeSet<String> typeNames = new TreeSet<>();
    TreeSet<String> groups = new TreeSet<>();
    TreeSet<String> sources = new TreeSet<>();
    types.forEach(type -> typeNames.add(type.name()));
    consumes.forEach(edge -> {
      typeNames.add(edge.type());
      groups.add(edge.group());
    });
    publishes.forEach(edge -> {
      typeNames.add(edge.type());
      groups.add(edge.group());
    });
    emits.forEach(edge -> {
      typeNames.add(edge.type());
      sources.add(edge.source());
    });
    for (String source : sources) {
      out.append("  ").append(node("s_", source)).append("[/\"").append(source).append("\"/]\n");
    }
    for (String type : typeNames) {
      out.append("  ").append(node("t_", type)).append("([\"").append(type).append("\"])\n");
    }
    for (String group : groups) {
      out.append("  ").append(node("g_", group)).append("[\"").append(group).append("\"]\n");
    }
    for (Emits edge : emits) {
      out.append("  ").append(node("s_", edge.source())).append(" -- \"").append(edge.count()).append("\" --> ")
          .append(node("t_", edge.type())).append('\n');
    }
    for (Consumes edge : consumes) {
      out.append("  ").append(node("t_", edge.type())).append(" --> ").append(node("g_", edge.group())).append('\n');
    }
    for (Publishes edge : publishes) {
      out.append("  ").append(node("g_", edge.group())).append(" -- \"").append(edge.count()).append("\" --> ")
          .append(node("t_", edge.type())).append('\n');
    }
    return out.toString();
  }

  /**
   * Renders the flow as JSON for tools: {@code {"types": [...], "consumes": [...],
   * "publishes": [...], "emits": [...]}}, each type with {@code name}, {@code topic},
   * {@code version} and {@code javaType} (the class name).
   *
   * @return JSON text
   */
  public String toJson() {
    return FlowDocuments.json(this);
  }

  /**
   * Renders the flow as an AsyncAPI 3.0 document (JSON): one channel per topic with the
   * messages of the types on it, a {@code receive} operation per consuming group and type, a
   * {@code send} operation per publishing group or service and type, and a JSON Schema of
   * each payload class under {@code components.schemas}.
   *
   * @return the AsyncAPI document as JSON text
   */
  public String toAsyncApi() {
    return FlowDocuments.asyncApi(this);
  }

  private static String node(String prefix, String name) {
    return prefix + name.replaceAll("[^A-Za-z0-9_]", "_");
  }
}

package dev.chorus;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A snapshot of the choreography a bus has seen: which groups consume which event types
 * (from its subscriptions) and which types each group published while handling (observed
 * through {@link EventContext}). Immutable.
 *
 * @param consumes one edge per (event type, group) subscription
 * @param publishes one edge per (group, event type) publication seen while handling, with a
 *     count
 */
public record EventFlow(List<Consumes> consumes, List<Publishes> publishes) {

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
     * @throws NullPointerException if a component is null
     */
    public Publishes {
      Objects.requireNonNull(group, "group");
      Objects.requireNonNull(type, "type");
    }
  }

  /**
   * Copies the edge lists.
   *
   * @param consumes see {@link #consumes()}
   * @param publishes see {@link #publishes()}
   * @throws NullPointerException if a list is null
   */
  public EventFlow {
    consumes = List.copyOf(consumes);
    publishes = List.copyOf(publishes);
  }

  /**
   * Renders the flow as a Mermaid flowchart: event types as rounded nodes, groups as boxes.
   *
   * @return Mermaid text, starting with {@code flowchart LR}
   */
  public String toMermaid() {
    StringBuilder out = new StringBuilder("flowchart LR\n");
    TreeSet<String> types = new TreeSet<>();
    TreeSet<String> groups = new TreeSet<>();
    consumes.forEach(edge -> {
      types.add(edge.type());
      groups.add(edge.group());
    });
    publishes.forEach(edge -> {
      types.add(edge.type());
      groups.add(edge.group());
    });
    for (String type : types) {
      out.append("  ").append(typeNode(type)).append("([\"").append(type).append("\"])\n");
    }
    for (String group : groups) {
      out.append("  ").append(groupNode(group)).append("[\"").append(group).append("\"]\n");
    }
    for (Consumes edge : consumes) {
      out.append("  ").append(typeNode(edge.type())).append(" --> ").append(groupNode(edge.group())).append('\n');
    }
    for (Publishes edge : publishes) {
      out.append("  ").append(groupNode(edge.group())).append(" -- \"").append(edge.count()).append("\" --> ")
          .append(typeNode(edge.type())).append('\n');
    }
    return out.toString();
  }

  private static String typeNode(String type) {
    return "t_" + type.replaceAll("[^A-Za-z0-9_]", "_");
  }

  private static String groupNode(String group) {
    return "g_" + group.replaceAll("[^A-Za-z0-9_]", "_");
  }
}

package dev.chorus.reliability;

import dev.chorus.EventKey;
import dev.chorus.EventType;

/**
 * The event every reliability scenario publishes: a unique id, a key (the ordering unit) and its
 * sequence number within that key, in publish order.
 *
 * @param key the event key, one of a fixed set such as {@code "k7"}
 * @param id unique across the run, assigned in publish order from 0
 * @param seq the position of this event among the events of its key, from 0
 */
@EventType(value = "reliability.tick", topic = Tick.TOPIC)
public record Tick(@EventKey String key, long id, long seq) {

  /** The topic ticks are published to. */
  public static final String TOPIC = "reliability.ticks";
}

package dev.chorus.internal;

import java.lang.invoke.MethodHandle;

/**
 * What the registry knows about one concrete event class.
 *
 * @param type the class
 * @param name the wire type name
 * @param topic the topic
 * @param version the schema version
 * @param keyAccessor reads the {@code @EventKey} member, or {@code null} if there is none
 */
record EventTypeInfo(Class<?> type, String name, String topic, int version, MethodHandle keyAccessor) {

  /** Reads an event's key; null when it has no key member or the member is null. */
  String keyOf(Object event) {
    if (keyAccessor == null) {
      return null;
    }
    Object value;
    try {
      value = keyAccessor.invoke(event);
    } catch (Throwable e) {
      throw new IllegalArgumentException("cannot read the @EventKey of " + type.getName() + ": " + e, e);
    }
    return value == null ? null : String.valueOf(value);
  }
}

package dev.chorus.internal;

import dev.chorus.EventKey;
import dev.chorus.EventType;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Maps event classes to wire names and topics, from code only: published classes, subscribed
 * classes and their sealed subtypes, and explicitly registered ones. Names read off the wire
 * are only ever looked up in a subscription's own map; no class is loaded from them.
 * Thread-safe.
 */
final class TypeRegistry {

  static final Pattern TOPIC = Pattern.compile("(?!\\.{1,2}$)[a-zA-Z0-9._-]{1,249}");
  private static final Pattern NAME = Pattern.compile("[\\p{Alnum}._:/@+-]{1,255}");

  private final Map<Class<?>, EventTypeInfo> byClass = new ConcurrentHashMap<>();
  private final Map<String, Class<?>> byName = new ConcurrentHashMap<>();

  /** The info of a concrete event class, registering it on first use. */
  EventTypeInfo info(Class<?> type) {
    EventTypeInfo known = byClass.get(type);
    return known != null ? known : register(type);
  }

  /**
   * The concrete classes a subscription to {@code type} receives, by wire name: the class itself
   * if concrete, plus the permitted subtypes of a sealed type, recursively.
   */
  Map<String, EventTypeInfo> subscriptionTypes(Class<?> type) {
    Map<String, EventTypeInfo> result = new LinkedHashMap<>();
    collect(type, result);
    if (result.isEmpty()) {
      throw new IllegalArgumentException(type.getName() + " is abstract or an interface but not sealed: subscribe to "
          + "a concrete event class or to a sealed interface whose permitted subtypes are the events");
    }
    return Map.copyOf(result);
  }

  private void collect(Class<?> type, Map<String, EventTypeInfo> into) {
    if (!isAbstract(type)) {
      EventTypeInfo info = info(type);
      into.put(info.name(), info);
    }
    if (type.isSealed()) {
      for (Class<?> sub : type.getPermittedSubclasses()) {
        collect(sub, into);
      }
    }
  }

  private synchronized EventTypeInfo register(Class<?> type) {
    EventTypeInfo known = byClass.get(type);
    if (known != null) {
      return known;
    }
    if (isAbstract(type) || type.isPrimitive() || type.isArray() || type.isEnum()) {
      throw new IllegalArgumentException(type.getName() + " is not an event type: events are concrete classes "
          + "or records (publish an instance of a concrete class)");
    }
    EventType annotation = type.getAnnotation(EventType.class);
    String name = annotation != null ? annotation.value() : type.getSimpleName();
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("event type name of " + type.getName() + " must be 1 to 255 letters, "
          + "digits or ._:/@+- characters: '" + name + "'");
    }
    String topic = annotation != null && !annotation.topic().isEmpty() ? annotation.topic() : name;
    if (!TOPIC.matcher(topic).matches()) {
      throw new IllegalArgumentException("topic of " + type.getName() + " must be 1 to 249 letters, digits, '.', "
          + "'_' or '-': '" + topic + "'");
    }
    int version = annotation != null ? annotation.version() : 1;
    if (version < 1) {
      throw new IllegalArgumentException("version of " + type.getName() + " must be at least 1: " + version);
    }
    Class<?> clash = byName.get(name);
    if (clash != null && clash != type) {
      throw new IllegalArgumentException("event type name '" + name + "' is used by both " + clash.getName()
          + " and " + type.getName() + ": give one of them another @EventType name");
    }
    EventTypeInfo info = new EventTypeInfo(type, name, topic, version, keyAccessor(type));
    byName.put(name, type);
    byClass.put(type, info);
    return info;
  }

  private static boolean isAbstract(Class<?> type) {
    return type.isInterface() || Modifier.isAbstract(type.getModifiers());
  }

  private static MethodHandle keyAccessor(Class<?> type) {
    List<AccessibleObject> keys = new ArrayList<>();
    // An annotated record component also annotates its field and accessor: count it once.
    Set<String> annotatedComponents = new HashSet<>();
    if (type.isRecord()) {
      for (RecordComponent component : type.getRecordComponents()) {
        if (component.isAnnotationPresent(EventKey.class)) {
          keys.add(component.getAccessor());
          annotatedComponents.add(component.getName());
        }
      }
    }
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      boolean componentsOf = c == type && type.isRecord();
      for (Field field : c.getDeclaredFields()) {
        if (field.isAnnotationPresent(EventKey.class) && !Modifier.isStatic(field.getModifiers())
            && !(componentsOf && annotatedComponents.contains(field.getName()))) {
          keys.add(field);
        }
      }
      for (Method method : c.getDeclaredMethods()) {
        if (method.isAnnotationPresent(EventKey.class) && !method.isSynthetic() && !method.isBridge()
            && !(componentsOf && method.getParameterCount() == 0 && annotatedComponents.contains(method.getName()))) {
          if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers())
              || method.getReturnType() == void.class) {
            throw new IllegalArgumentException("@EventKey method " + type.getName() + "." + method.getName()
                + " must be an instance method with no parameters that returns the key");
          }
          keys.add(method);
        }
      }
    }
    if (keys.isEmpty()) {
      return null;
    }
    if (keys.size() > 1) {
      throw new IllegalArgumentException(type.getName() + " has " + keys.size() + " @EventKey members " + keys
          + ": at most one is allowed");
    }
    AccessibleObject member = keys.get(0);
    try {
      member.setAccessible(true);
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      MethodHandle handle = member instanceof Method method ? lookup.unreflect(method)
          : lookup.unreflectGetter((Field) member);
      return handle.asType(handle.type().changeReturnType(Object.class).changeParameterType(0, Object.class));
    } catch (RuntimeException | IllegalAccessException e) {
      throw new IllegalArgumentException("cannot read @EventKey " + member + " of " + type.getName()
          + " (if it is in a named module, open its package to dev.chorus.core): " + e.getMessage(), e);
    }
  }
}

package dev.chorus.internal;

import dev.chorus.EventMetadata;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The headers of a record the engine publishes: a read-only map in insertion order, the way a
 * {@link java.util.LinkedHashMap} filled header by header would hold them (a repeated name keeps
 * its first position and its last value), kept in two arrays. Public only so that
 * {@link dev.chorus.spi.OutgoingRecord} and {@link dev.chorus.spi.TransportRecord} can keep it
 * as it is instead of copying it: it is immutable once built, and only this package builds one.
 * Names are looked up by a linear scan (the envelope's names are constants, so most comparisons
 * end at the reference check), through an index once a map has more than {@value #SMALL}.
 */
public final class EnvelopeHeaders extends AbstractMap<String, byte[]> {

  static final int SMALL = 16;

  /** The metadata these headers were written from, when reading them back gives exactly it; else null. */
  private final EventMetadata written;
  /** The names and values; for headers made by {@link #of(EventMetadata)}, encoded on first use. */
  private volatile Content content;

  private EnvelopeHeaders(Content content, EventMetadata written) {
    this.content = content;
    this.written = written;
  }

  /**
   * The envelope of {@code written}, encoded to bytes only when a name or value is first asked
   * for: the in-memory transport hands the engine this very map, and the engine reads the
   * metadata back from {@link #written()}, so most in-memory records are never encoded. The
   * caller has checked that {@link WireFormat#read} would give exactly {@code written} back and
   * that the envelope is within the limits {@link WireFormat#headers} enforces.
   */
  static EnvelopeHeaders of(EventMetadata written) {
    return new EnvelopeHeaders(null, written);
  }

  /**
   * The metadata these headers were written from, if {@link WireFormat#read} would read exactly
   * it back from them; else null. The in-memory transport hands the engine the very map the
   * engine wrote, so its records are not decoded again.
   */
  EventMetadata written() {
    return written;
  }

  /** The names and values, encoded now if they were not yet (by every thread that gets here first: the same bytes). */
  private Content content() {
    Content current = content;
    if (current == null) {
      current = WireFormat.write(written).content();
      content = current;
    }
    return current;
  }

  /** Names and values in insertion order, and an index of the names when there are many. */
  private record Content(String[] names, byte[][] values, int size, Map<String, Integer> index) {}

  private static int indexOf(String[] names, int size, Map<String, Integer> index, Object name) {
    if (index != null) {
      Integer at = index.get(name);
      return at == null ? -1 : at;
    }
    for (int i = 0; i < size; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public byte[] get(Object name) {
    Content c = content();
    int at = indexOf(c.names, c.size, c.index, name);
    return at < 0 ? null : c.values[at];
  }

  @Override
  public boolean containsKey(Object name) {
    Content c = content();
    return indexOf(c.names, c.size, c.index, name) >= 0;
  }

  @Override
  public int size() {
    return content().size;
  }

  @Override
  public boolean isEmpty() {
    return size() == 0;
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super byte[]> action) {
    Content c = content();
    for (int i = 0; i < c.size; i++) {
      action.accept(c.names[i], c.values[i]);
    }
  }

  @Override
  public Set<Entry<String, byte[]>> entrySet() {
    Content c = content();
    String[] names = c.names;
    byte[][] values = c.values;
    int size = c.size;
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<String, byte[]>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < size;
          }

          @Override
          public Entry<String, byte[]> next() {
            if (next >= size) {
              throw new NoSuchElementException();
            }
            int at = next++;
            return new SimpleImmutableEntry<>(names[at], values[at]);
          }
        };
      }

      @Override
      public int size() {
        return size;
      }
    };
  }

  /** Fills one {@link EnvelopeHeaders}; used once, by one thread. */
  static final class Builder {
    private String[] names;
    private byte[][] values;
    private int size;
    private Map<String, Integer> index;

    /** A builder with room for {@code expected} headers before it grows. */
    Builder(int expected) {
      names = new String[Math.max(expected, 1)];
      values = new byte[names.length][];
    }

    /** Adds a header, or replaces the value of one of the same name in its position. */
    Builder put(String name, byte[] value) {
      int at = indexOf(names, size, index, name);
      if (at >= 0) {
        values[at] = value;
        return this;
      }
      if (size == names.length) {
        names = Arrays.copyOf(names, size * 2);
        values = Arrays.copyOf(values, size * 2);
      }
      names[size] = name;
      values[size] = value;
      if (index != null) {
        index.put(name, size);
      } else if (size == SMALL) {
        index = new HashMap<>();
        for (int i = 0; i <= size; i++) {
          index.put(names[i], i);
        }
      }
      size++;
      return this;
    }

    /** The headers so far, without the metadata they came from; the builder must not be used after. */
    EnvelopeHeaders build() {
      return build(null);
    }

    /**
     * The headers so far; the builder must not be used after.
     *
     * @param written the metadata they were written from, if reading them gives exactly it back; else null
     */
    EnvelopeHeaders build(EventMetadata written) {
      return new EnvelopeHeaders(new Content(names, values, size, index), written);
    }
  }
}

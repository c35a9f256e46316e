package dev.chorus.kafka;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.kafka.common.header.Header;

/**
 * The headers of a consumed record as a read-only map in header order, the way a
 * {@link LinkedHashMap} filled header by header would hold them (a repeated name keeps its first
 * position and its last value; a null value is an empty array). A record of up to
 * {@value #SMALL} headers (every Chorus record) is kept in two arrays and looked up by a linear
 * scan, without hashing names that were decoded for this record alone; a larger one, which only
 * a foreign or hostile producer writes, goes into a {@link LinkedHashMap}. Immutable.
 */
final class HeaderMap extends AbstractMap<String, byte[]> {

  static final int SMALL = 32;
  private static final byte[] EMPTY = new byte[0];

  private final String[] names;
  private final byte[][] values;
  private final int size;

  private HeaderMap(String[] names, byte[][] values, int size) {
    this.names = names;
    this.values = values;
    this.size = size;
  }

  /** The headers of a record, as described above. */
  static Map<String, byte[]> of(Header[] headers) {
    if (headers.length > SMALL) {
      Map<String, byte[]> map = new LinkedHashMap<>();
      for (Header header : headers) {
        map.put(header.key(), header.value() == null ? EMPTY : header.value());
      }
      return map;
    }
    String[] names = new String[headers.length];
    byte[][] values = new byte[headers.length][];
    int size = 0;
    for (Header header : headers) {
      String name = header.key();
      byte[] value = header.value() == null ? EMPTY : header.value();
      int at = indexOf(names, size, name);
      if (at >= 0) {
        values[at] = value;
      } else {
        names[size] = name;
        values[size++] = value;
      }
    }
    return new HeaderMap(names, values, size);
  }

  private static int indexOf(String[] names, int size, Object name) {
    for (int i = 0; i < size; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public byte[] get(Object name) {
    int at = indexOf(names, size, name);
    return at < 0 ? null : values[at];
  }

  @Override
  public boolean containsKey(Object name) {
    return indexOf(names, size, name) >= 0;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super byte[]> action) {
    for (int i = 0; i < size; i++) {
      action.accept(names[i], values[i]);
    }
  }

  @Override
  public Set<Entry<String, byte[]>> entrySet() {
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
}

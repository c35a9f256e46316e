package dev.chorus.inmemory;

import dev.chorus.spi.Transport;
import dev.chorus.spi.TransportProvider;
import java.util.Map;
import java.util.Objects;

/**
 * Creates an {@link InMemoryTransport} from configuration; found by {@link java.util.ServiceLoader}
 * under the name {@code "in-memory"}. It reads:
 * <ul>
 *   <li>{@code chorus.inmemory.partitions}: partitions of topics created on demand (default 4);
 *   <li>{@code chorus.inmemory.retention}: records kept per partition (default 10000).
 * </ul>
 * Stateless and thread-safe.
 */
public final class InMemoryTransportProvider implements TransportProvider {

  private static final String PARTITIONS = "chorus.inmemory.partitions";
  private static final String RETENTION = "chorus.inmemory.retention";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public InMemoryTransportProvider() {}

  /**
   * The transport name this provider answers to.
   *
   * @return {@code "in-memory"}
   */
  @Override
  public String name() {
    return "in-memory";
  }

  /**
   * Creates a new, empty in-memory transport.
   *
   * @param config the whole configuration; only {@code chorus.inmemory.*} keys are read
   * @return the transport
   * @throws NullPointerException if config is null
   * @throws IllegalArgumentException if a {@code chorus.inmemory.*} value is not a positive
   *     integer
   */
  @Override
  public Transport create(Map<String, String> config) {
    Objects.requireNonNull(config, "config");
    InMemoryTransport.Builder builder = InMemoryTransport.builder();
    String partitions = config.get(PARTITIONS);
    if (partitions != null) {
      builder.partitions(positiveInt(PARTITIONS, partitions));
    }
    String retention = config.get(RETENTION);
    if (retention != null) {
      builder.retention(positiveInt(RETENTION, retention));
    }
    return builder.build();
  }

  private static int positiveInt(String key, String value) {
    int parsed;
    try {
      parsed = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a positive integer: '" + value + "'", e);
    }
    if (parsed < 1) {
      throw new IllegalArgumentException(key + " must be a positive integer: '" + value + "'");
    }
    return parsed;
  }
}

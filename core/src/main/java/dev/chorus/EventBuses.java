package dev.chorus;

import dev.chorus.spi.TransportProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Builds buses from configuration, so that a service swaps transports without code changes.
 *
 * <table>
 *   <caption>Configuration keys</caption>
 *   <tr><th>key</th><th>meaning</th></tr>
 *   <tr><td>{@code chorus.transport}</td><td>{@code in-memory} (default) or {@code kafka}; any
 *       name a {@link TransportProvider} on the class or module path answers to</td></tr>
 *   <tr><td>{@code chorus.source}</td><td>the service name written to {@code ce_source}</td></tr>
 *   <tr><td>{@code chorus.shutdown-timeout}</td><td>an ISO-8601 duration such as {@code PT30S}</td></tr>
 *   <tr><td>{@code chorus.kafka.*}</td><td>passed to the Kafka clients without the prefix</td></tr>
 * </table>
 */
public final class EventBuses {

  /** The default transport name. */
  public static final String DEFAULT_TRANSPORT = "in-memory";

  private EventBuses() {}

  /**
   * Builds a bus from configuration, finding the transport through {@link ServiceLoader}.
   *
   * @param config the configuration
   * @return a new bus that owns its transport
   * @throws IllegalArgumentException if no provider answers to {@code chorus.transport}, or a
   *     value is invalid
   */
  public static EventBus fromConfig(Map<String, String> config) {
    Objects.requireNonNull(config, "config");
    String name = config.getOrDefault("chorus.transport", DEFAULT_TRANSPORT).trim();
    List<String> known = new ArrayList<>();
    for (TransportProvider provider : ServiceLoader.load(TransportProvider.class, EventBuses.class.getClassLoader())) {
      if (provider.name().equals(name)) {
        EventBus.Builder builder = EventBus.builder().transport(provider.create(config));
        String source = config.get("chorus.source");
        if (source != null) {
          builder.source(source);
        }
        String timeout = config.get("chorus.shutdown-timeout");
        if (timeout != null) {
          try {
            builder.shutdownTimeout(java.time.Duration.parse(timeout));
          } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(
                "chorus.shutdown-timeout must be an ISO-8601 duration such as PT30S: '" + timeout + "'", e);
          }
        }
        return builder.build();
      }
      known.add(provider.name());
    }
    throw new IllegalArgumentException("no Chorus transport named '" + name + "' (chorus.transport); found "
        + known + ". Add the module that provides it: chorus-inmemory for in-memory, chorus-kafka for kafka");
  }
}

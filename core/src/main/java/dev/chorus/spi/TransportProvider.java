package dev.chorus.spi;

import java.util.Map;

/**
 * Creates a transport from configuration, for {@link dev.chorus.EventBuses#fromConfig}.
 * Found through {@link java.util.ServiceLoader}: each transport module provides one.
 */
public interface TransportProvider {

  /**
   * The value of {@code chorus.transport} this provider answers to, such as
   * {@code "in-memory"} or {@code "kafka"}.
   *
   * @return the transport name
   */
  String name();

  /**
   * Creates a transport.
   *
   * @param config the whole configuration; a provider reads its own keys
   *     ({@code chorus.kafka.*}, say)
   * @return a new transport
   * @throws IllegalArgumentException if the configuration is invalid
   */
  Transport create(Map<String, String> config);
}

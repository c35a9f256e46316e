/**
 * Chorus in-memory transport: {@link dev.chorus.inmemory.InMemoryTransport}, a partitioned
 * log with Kafka's consumer-group semantics that lives in one JVM, for tests and local runs.
 */
module dev.chorus.inmemory {
  requires transitive dev.chorus.core;
  requires org.slf4j;

  exports dev.chorus.inmemory;

  provides dev.chorus.spi.TransportProvider with dev.chorus.inmemory.InMemoryTransportProvider;
}

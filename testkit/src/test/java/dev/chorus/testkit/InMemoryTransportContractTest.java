package dev.chorus.testkit;

import dev.chorus.inmemory.InMemoryTransport;
import dev.chorus.spi.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Runs the transport contract against {@link InMemoryTransport}, one fresh transport per test. */
class InMemoryTransportContractTest extends TransportContractTest {

  private InMemoryTransport transport;

  @BeforeEach
  void createTransport() {
    transport = InMemoryTransport.create();
  }

  @AfterEach
  void closeTransport() {
    transport.close();
  }

  @Override
  protected Transport transport() {
    return transport;
  }
}

package dev.chorus.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chorus.spi.Transport;
import dev.chorus.spi.TransportProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class ProviderTest {

  private static TransportProvider loadInMemoryProvider() {
    Module module = ProviderTest.class.getModule();
    if (module.isNamed()) {
      // Tests are patched into dev.chorus.inmemory, which provides but does not use the service.
      module.addUses(TransportProvider.class);
    }
    return ServiceLoader.load(TransportProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(provider -> provider.name().equals("in-memory"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no TransportProvider named in-memory"));
  }

  @Test
  void serviceLoaderFindsTheProviderNamedInMemory() {
    assertThat(loadInMemoryProvider()).isInstanceOf(InMemoryTransportProvider.class);
  }

  @Test
  void theProviderIsAlsoListedInMetaInfServices() throws IOException {
    try (InputStream listing = ProviderTest.class.getResourceAsStream(
        "/META-INF/services/dev.chorus.spi.TransportProvider")) {
      assertThat(listing).isNotNull();
      assertThat(new String(listing.readAllBytes(), StandardCharsets.UTF_8).strip())
          .isEqualTo("dev.chorus.inmemory.InMemoryTransportProvider");
    }
  }

  @Test
  void theProviderReadsPartitionsAndRetentionFromTheConfiguration() {
    Transport transport = loadInMemoryProvider().create(Map.of(
        "chorus.transport", "in-memory",
        "chorus.inmemory.partitions", "3",
        "chorus.inmemory.retention", " 2 "));
    for (int i = 0; i < 9; i++) {
      transport.send(TestRecords.record("orders", null, "v" + i)).join();
    }

    assertThat(transport.endOffsets(List.of("orders")).values()).containsExactly(3L, 3L, 3L);
    assertThat(((InMemoryTransport) transport).records("orders")).hasSize(6);
  }

  @Test
  void withoutItsKeysTheProviderUsesTheDefaults() {
    Transport transport = new InMemoryTransportProvider().create(Map.of());
    transport.send(TestRecords.record("orders", "k", "v")).join();

    assertThat(transport.endOffsets(List.of("orders"))).hasSize(4);
  }

  @Test
  void badValuesFailWithAMessageNamingTheKey() {
    InMemoryTransportProvider provider = new InMemoryTransportProvider();

    assertThatThrownBy(() -> provider.create(Map.of("chorus.inmemory.partitions", "many")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("chorus.inmemory.partitions must be a positive integer: 'many'");
    assertThatThrownBy(() -> provider.create(Map.of("chorus.inmemory.partitions", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("chorus.inmemory.partitions must be a positive integer: '0'");
    assertThatThrownBy(() -> provider.create(Map.of("chorus.inmemory.retention", "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("chorus.inmemory.retention must be a positive integer: ''");
    assertThatThrownBy(() -> provider.create(Map.of("chorus.inmemory.retention", "-3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("chorus.inmemory.retention must be a positive integer: '-3'");
  }
}

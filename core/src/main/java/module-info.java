/**
 * Chorus core: the event bus API ({@code dev.chorus}), the transport SPI
 * ({@code dev.chorus.spi}) and the engine (not exported).
 */
module dev.chorus.core {
  requires org.slf4j;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.datatype.jsr310;
  requires com.fasterxml.jackson.datatype.jdk8;

  exports dev.chorus;
  exports dev.chorus.spi;

  uses dev.chorus.spi.TransportProvider;
}

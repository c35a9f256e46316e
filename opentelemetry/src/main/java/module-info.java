/**
 * Chorus on OpenTelemetry: producer and consumer spans for what an event bus does, and the W3C
 * trace context of the current span for the events it publishes. See
 * {@link dev.chorus.opentelemetry.ChorusTracing}.
 */
module dev.chorus.opentelemetry {
  requires transitive dev.chorus.core;
  requires transitive io.opentelemetry.api;
  requires io.opentelemetry.context;

  exports dev.chorus.opentelemetry;
}

/**
 * Tracing for Chorus on OpenTelemetry; the entry point is
 * {@link dev.chorus.opentelemetry.ChorusTracing}.
 */
package dev.chorus.opentelemetry;

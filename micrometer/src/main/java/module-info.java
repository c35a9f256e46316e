/**
 * Chorus on Micrometer: {@link dev.chorus.micrometer.ChorusMetrics}, an event bus listener
 * that counts and times published, handled, retried, dead-lettered and skipped events, and
 * consumer-lag gauges computed from the transport's offsets.
 */
module dev.chorus.micrometer {
  requires transitive dev.chorus.core;
  requires transitive micrometer.core;
  requires org.slf4j;

  exports dev.chorus.micrometer;
}

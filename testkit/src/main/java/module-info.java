/**
 * Chorus testkit, built on JUnit 5 and AssertJ: for users, {@link dev.chorus.testkit.ChorusTest}
 * (a fresh in-memory bus with a virtual clock per test), the recording
 * {@link dev.chorus.testkit.TestEventBus} and {@link dev.chorus.testkit.ChorusAssertions}; for
 * transport authors, the contract suite ({@link dev.chorus.testkit.TransportContractTest}) that
 * every transport runs.
 */
module dev.chorus.testkit {
  requires transitive dev.chorus.core;
  requires transitive dev.chorus.inmemory;
  requires transitive org.junit.jupiter.api;
  requires transitive org.assertj.core;

  exports dev.chorus.testkit;

  // Jackson decodes the suite's event records; JUnit calls its lifecycle and test methods.
  opens dev.chorus.testkit to com.fasterxml.jackson.databind, org.junit.platform.commons;
}

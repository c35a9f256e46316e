package dev.chorus.kafka.testkit;

import org.apache.kafka.common.utils.internals.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Kafka from terminating the JVM while an {@link EmbeddedKafka} uses it.
 *
 * <p>The broker's fatal-fault handler calls {@code Exit.halt(1)}, which would kill a test runner's
 * JVM (Surefire: "The forked VM terminated without properly saying goodbye"). While at least one
 * holder has {@link #acquire() acquired} the guard, Kafka's exit and halt procedures throw
 * {@link IllegalStateException} instead; when the last holder {@link #release() releases} it,
 * Kafka's defaults are restored. Kafka's {@code Exit} procedures are JVM-wide, so this reference
 * count is JVM-wide too.
 */
final class ExitGuard {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final Object LOCK = new Object();
  private static int holders;

  private ExitGuard() {}

  static void acquire() {
    synchronized (LOCK) {
      if (holders++ == 0) {
        Exit.setExitProcedure((status, message) -> refuse("exit", status, message));
        Exit.setHaltProcedure((status, message) -> refuse("halt", status, message));
      }
    }
  }

  static void release() {
    synchronized (LOCK) {
      if (holders == 0) {
        throw new IllegalStateException("ExitGuard released more often than acquired");
      }
      if (--holders == 0) {
        Exit.resetExitProcedure();
        Exit.resetHaltProcedure();
      }
    }
  }

  private static void refuse(String what, int status, String message) {
    IllegalStateException refusal = new IllegalStateException("Kafka asked to " + what
        + " the JVM with status " + status + (message == null ? "" : " (" + message + ")")
        + "; an embedded broker must not terminate the JVM, so this thread throws instead");
    // The calling Kafka thread may swallow the exception: make sure the fault is seen.
    LOG.error("Embedded Kafka broker hit a fatal fault", refusal);
    throw refusal;
  }
}

package dev.chorus.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import kafka.tools.StorageTool;

/**
 * Entry point of one {@link BrokerCluster} node's child JVM: formats the node's storage on its
 * first start, then runs {@code kafka.Kafka <server.properties>} exactly as
 * {@code kafka-server-start.sh} would.
 *
 * <p>Arguments: {@code <server.properties> [--format <cluster id>]}.
 *
 * <p>It also watches its standard input, a pipe from the JVM that started it: when that JVM dies
 * (even by SIGKILL, when its shutdown hooks cannot run) the pipe reaches end of file and this JVM
 * halts at once, so no orphaned broker outlives a crashed test run.
 */
final class BrokerNodeMain {

  static final String FORMAT_OPTION = "--format";
  /** Exit status when formatting fails; the parent reports it with the node's log. */
  static final int FORMAT_FAILED = 3;
  /** Exit status when the parent JVM died. */
  static final int ORPHANED = 4;

  private BrokerNodeMain() {}

  /**
   * Formats storage if asked, then runs the broker until it is stopped.
   *
   * @param args {@code <server.properties> [--format <cluster id>]}
   */
  public static void main(String[] args) {
    if (args.length != 1 && !(args.length == 3 && FORMAT_OPTION.equals(args[1]))) {
      System.err.println("Usage: BrokerNodeMain <server.properties> [--format <cluster id>], got "
          + Arrays.toString(args));
      System.exit(2);
    }
    watchParent();
    if (args.length == 3) {
      format(args[0], args[2]);
    }
    kafka.Kafka.main(new String[] {args[0]});
  }

  private static void format(String propertiesFile, String clusterId) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int status;
    try {
      // --ignore-formatted: a node killed right after formatting is started with --format again.
      status = StorageTool.execute(
          new String[] {"format", "-t", clusterId, "-c", propertiesFile, "--ignore-formatted"}, out);
    } catch (RuntimeException e) {
      System.err.println("Formatting Kafka storage with " + propertiesFile + " failed");
      e.printStackTrace();
      System.err.flush();
      Runtime.getRuntime().halt(FORMAT_FAILED);
      return;
    }
    if (status != 0) {
      System.err.println("Formatting Kafka storage with " + propertiesFile
          + " failed with status " + status);
      System.err.flush();
      Runtime.getRuntime().halt(FORMAT_FAILED);
    }
  }

  private static void watchParent() {
    Thread watcher = new Thread(() -> {
      InputStream in = System.in;
      byte[] buffer = new byte[256];
      try {
        while (in.read(buffer) >= 0) {
          // The parent never writes; anything read is ignored.
        }
      } catch (IOException e) {
        // A broken pipe means the parent is gone too.
      }
      System.err.println("BrokerNodeMain: the parent JVM is gone (standard input closed); halting");
      System.err.flush();
      Runtime.getRuntime().halt(ORPHANED);
    }, "chorus-broker-parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }
}

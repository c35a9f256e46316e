package dev.chorus.examples;

import dev.chorus.examples.quickstart.PaymentChoreography;

/**
 * Runs the examples on the in-memory transport and prints what happened.
 *
 * <pre>mvn -B -q -pl examples -am compile exec:java</pre>
 */
public final class Main {

  private Main() {}

  /**
   * Runs every example.
   *
   * @param args ignored
   * @throws Exception if an example fails
   */
  public static void main(String[] args) throws Exception {
    PaymentChoreography.run(System.out);
  }
}

package dev.chorus.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Captures what a scenario prints. */
public final class Output {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  /** Creates an empty capture. */
  public Output() {}

  /**
   * The stream to print to.
   *
   * @return the stream
   */
  public PrintStream stream() {
    return stream;
  }

  /**
   * Everything printed so far.
   *
   * @return the text
   */
  public String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /**
   * Everything printed so far, line by line, without leading and trailing blanks.
   *
   * @return the lines
   */
  public List<String> lines() {
    return text().lines().map(String::strip).toList();
  }

  /**
   * The lines narrated by the {@link Narrator} (those that start with a time such as
   * {@code +0.250s}), without the time.
   *
   * @return the narrated lines
   */
  public List<String> narrated() {
    return lines().stream().filter(line -> line.matches("\\+\\d+\\.\\d{3}s .*"))
        .map(line -> line.substring(line.indexOf(' ')).strip().replaceAll(" {2,}", " ")).toList();
  }
}

package dev.chorus.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Each scenario's outcome in numbers, printed and appended to
 * {@code target/reliability/results-<profile>.md}, from which {@code docs/reliability.md} quotes.
 */
final class Report {

  private Report() {}

  static void line(String format, Object... args) {
    String text = String.format(format, args);
    System.out.println(text);
    try {
      Path file = Files.createDirectories(Path.of("target", "reliability"))
          .resolve("results-" + Scale.current().name() + ".md");
      Files.writeString(file, "- " + Instant.now() + " " + text + System.lineSeparator(), StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

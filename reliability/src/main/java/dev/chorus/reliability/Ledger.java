package dev.chorus.reliability;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The subscribers' side of the ledger: one append-only text file per subscriber process
 * ({@code <instance>.ledger}), one line per handler call and per dead letter, written with a
 * single {@code write} before the handler returns. A line in the file survives a {@code kill -9}
 * of its writer (it is in the page cache), so a handler call that returned is always on record;
 * a line cut short by the kill has no newline and is ignored.
 *
 * <p>Line formats, fields separated by {@code |}:
 * <ul>
 *   <li>{@code H|instance|id|attempt|OK|micros} or {@code ...|FAIL|...}: a handler call;
 *   <li>{@code D|instance|id|reason|micros}: the event was dead-lettered.
 * </ul>
 * {@code micros} is wall-clock time in microseconds since the epoch, for ordering calls of
 * different processes on this one machine.
 */
final class Ledger {

  private Ledger() {}

  static final String SUFFIX = ".ledger";

  /** One handler call. */
  record Call(String instance, long id, int attempt, boolean ok, long micros) {}

  /** One dead letter. */
  record DeadLettered(String instance, long id, String reason, long micros) {}

  static long nowMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }

  /** Appends lines to one subscriber's file; thread-safe. */
  static final class Writer implements AutoCloseable {
    private final String instance;
    private final FileOutputStream out;

    Writer(Path directory, String instance) {
      this.instance = instance;
      try {
        this.out = new FileOutputStream(directory.resolve(instance + SUFFIX).toFile(), true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void call(long id, int attempt, boolean ok) {
      write("H|" + instance + "|" + id + "|" + attempt + "|" + (ok ? "OK" : "FAIL") + "|" + nowMicros());
    }

    void deadLettered(long id, String reason) {
      write("D|" + instance + "|" + id + "|" + reason + "|" + nowMicros());
    }

    private synchronized void write(String line) {
      try {
        out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public synchronized void close() throws IOException {
      out.close();
    }
  }

  /**
   * Reads every ledger file of a directory incrementally: each {@link #poll()} parses the
   * complete lines appended since the previous one, so waiting on a growing ledger stays cheap.
   */
  static final class Reader {
    private final Path directory;
    private final Map<Path, Long> positions = new HashMap<>();
    private final Map<Path, byte[]> partial = new HashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private final List<DeadLettered> deadLetters = new ArrayList<>();
    private final Map<String, Integer> callsByInstance = new HashMap<>();

    Reader(Path directory) {
      this.directory = directory;
    }

    /** Reads what was appended since the last call; returns this reader. */
    synchronized Reader poll() {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
        for (Path file : files) {
          readNew(file);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    synchronized List<Call> calls() {
      return List.copyOf(calls);
    }

    synchronized List<DeadLettered> deadLetters() {
      return List.copyOf(deadLetters);
    }

    synchronized List<Call> callsFrom(int index) {
      return List.copyOf(calls.subList(index, calls.size()));
    }

    synchronized List<DeadLettered> deadLettersFrom(int index) {
      return List.copyOf(deadLetters.subList(index, deadLetters.size()));
    }

    synchronized int callCount(String instance) {
      return callsByInstance.getOrDefault(instance, 0);
    }

    synchronized int callCount() {
      return calls.size();
    }

    private void readNew(Path file) throws IOException {
      long position = positions.getOrDefault(file, 0L);
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        long size = channel.size();
        if (size <= position) {
          return;
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) (size - position));
        while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
          // read until the snapshot size
        }
        byte[] previous = partial.getOrDefault(file, new byte[0]);
        byte[] bytes = new byte[previous.length + buffer.position()];
        System.arraycopy(previous, 0, bytes, 0, previous.length);
        System.arraycopy(buffer.array(), 0, bytes, previous.length, buffer.position());
        positions.put(file, position + buffer.position());
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
          if (bytes[i] == '\n') {
            parse(new String(bytes, start, i - start, StandardCharsets.US_ASCII), file);
            start = i + 1;
          }
        }
        byte[] rest = new byte[bytes.length - start];
        System.arraycopy(bytes, start, rest, 0, rest.length);
        partial.put(file, rest);
      }
    }

    private void parse(String line, Path file) {
      String[] f = line.split("\\|");
      switch (f[0]) {
        case "H" -> {
          calls.add(new Call(f[1], Long.parseLong(f[2]), Integer.parseInt(f[3]), f[4].equals("OK"),
              Long.parseLong(f[5])));
          callsByInstance.merge(f[1], 1, Integer::sum);
        }
        case "D" -> deadLetters.add(new DeadLettered(f[1], Long.parseLong(f[2]), f[3], Long.parseLong(f[4])));
        default -> throw new IllegalStateException("unreadable ledger line in " + file + ": " + line);
      }
    }
  }
}

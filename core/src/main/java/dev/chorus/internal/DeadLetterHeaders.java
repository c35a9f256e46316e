package dev.chorus.internal;
import dev.chorus.DeadLetter;
import java.util.Map;
public final class DeadLetterHeaders {
  public static DeadLetter read(String key, byte[] value, Map<String, byte[]> headers) { return null; }
}

package dev.chorus.internal;
public final class JsonCodec {
  public static JsonCodec shared() { return null; }
  public <E> E decode(byte[] bytes, Class<E> type) { return null; }
}

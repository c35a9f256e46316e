package dev.chorus.examples.orders;

/** The order history's database refused a write that will succeed if tried again. */
final class TransientStoreException extends Exception {

  private static final long serialVersionUID = 1L;

  TransientStoreException(String message) {
    super(message);
  }
}

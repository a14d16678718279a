package io.autodidact.store;

/** A run directory file is damaged in a way a crash cannot explain; the message names the file and a next step. */
public final class StoreCorruptedException extends RuntimeException {
    public StoreCorruptedException(String message) {
        super(message);
    }

    public StoreCorruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}

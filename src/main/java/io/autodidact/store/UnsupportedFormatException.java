package io.autodidact.store;

/** A run directory or file was written by a newer autodidact than this one; the message says which versions. */
public final class UnsupportedFormatException extends RuntimeException {
    public UnsupportedFormatException(String message) {
        super(message);
    }
}

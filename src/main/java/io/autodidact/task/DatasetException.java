package io.autodidact.task;

/**
 * A dataset file that cannot be read as asked. The message names the file, the line (JSONL) or row (Arrow)
 * and the field, so the user can go straight to the fix.
 */
public final class DatasetException extends RuntimeException {
    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}

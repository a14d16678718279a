package io.autodidact.python;

/** The reward code could not be loaded: a syntax error (with file and line), a failed import, a missing function. */
public final class PythonLoadException extends IllegalArgumentException {
    public PythonLoadException(String message) {
        super(message);
    }
}

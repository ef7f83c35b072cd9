package io.adamerge.data;

import java.nio.file.Path;

/** A data file or directory that cannot be read as what it claims to be; the message names the file. */
public class DataException extends RuntimeException {
    private final transient Path file;

    public DataException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public DataException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** A problem not tied to one file (a task name, a split request). */
    public DataException(String message) {
        super(message);
        this.file = null;
    }

    /** The offending file, or null when the problem is not tied to one. */
    public Path file() {
        return file;
    }
}

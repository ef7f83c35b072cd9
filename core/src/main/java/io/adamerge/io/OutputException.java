package io.adamerge.io;

/** An output location the command refuses to write to; the message names the option and the path. */
public class OutputException extends IllegalArgumentException {
    public OutputException(String message) {
        super(message);
    }
}

package io.adamerge.checkpoint;

/** A checkpoint that cannot be read or written; the message names the file and, where known, the tensor. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.adamerge.onnx;

import io.adamerge.checkpoint.CheckpointException;

/** An ONNX file that cannot be read or is not what the caller needs; the message starts with the file's name. */
public class OnnxFormatException extends CheckpointException {
    public OnnxFormatException(String message) {
        super(message);
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

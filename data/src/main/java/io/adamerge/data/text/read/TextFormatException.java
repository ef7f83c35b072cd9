package io.adamerge.data.text.read;

import io.adamerge.data.DataException;
import java.nio.file.Path;

/**
 * A text source file that is not in the format its reader expects. The message names the file and the position
 * (line or byte offset) of the problem; readers throw nothing else on malformed input.
 */
public class TextFormatException extends DataException {
    public TextFormatException(Path file, String where, String problem) {
        super(file, where + ": " + problem);
    }

    public TextFormatException(Path file, String where, String problem, Throwable cause) {
        super(file, where + ": " + problem, cause);
    }
}

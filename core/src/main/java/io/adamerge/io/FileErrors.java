package io.adamerge.io;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** What went wrong with a file, in words: the JDK's file-system exceptions mostly carry only the path. */
public final class FileErrors {
    private FileErrors() {
    }

    /** The operating system's reason when the JDK kept it, else the exception's kind in words. */
    public static String reason(FileSystemException e) {
        if (e.getReason() != null) {
            return e.getReason();
        } else if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            return "permission denied";
        } else if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        } else if (e instanceof NotDirectoryException) {
            return "not a directory";
        } else if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        return e.getClass().getSimpleName();
    }
}

package io.adamerge.data.fetch;

import io.adamerge.data.DataException;

/** A source could not be fetched; the message says which package to install or which folder to pass instead. */
public class FetchException extends DataException {
    public FetchException(String message) {
        super(message);
    }
}

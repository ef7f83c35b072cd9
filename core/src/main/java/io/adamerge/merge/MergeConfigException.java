package io.adamerge.merge;

/** A merge that cannot run as configured: unknown method, missing or invalid parameter, bad output path. */
public class MergeConfigException extends RuntimeException {
    public MergeConfigException(String message) {
        super(message);
    }
}

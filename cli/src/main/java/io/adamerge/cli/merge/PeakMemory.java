package io.adamerge.cli.merge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak resident set size of this process, from Linux's /proc/self/status (VmHWM). */
public final class PeakMemory {
    private PeakMemory() {
    }

    /** KiB, or -1 where /proc is not available. */
    public static long peakResidentKiB() {
        return statusField(Path.of("/proc/self/status"), "VmHWM:");
    }

    static long statusField(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}

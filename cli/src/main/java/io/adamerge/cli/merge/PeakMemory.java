package io.adamerge.cli.merge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak resident set size (Linux's /proc/self/status VmHWM) and CPU time of this process. */
public final class PeakMemory {
    private PeakMemory() {
    }

    /** KiB, or -1 where /proc is not available. */
    public static long peakResidentKiB() {
        return statusField(Path.of("/proc/self/status"), "VmHWM:");
    }

    /** CPU time of this process (all threads, user + system) so far, in seconds; NaN where unknown. */
    public static double processCpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
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

package io.autodidact.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Share of the machine's CPU time that <em>other</em> processes used while this one ran a
 * benchmark phase (from {@code /proc/stat} and this process's CPU time) — the same indicator the
 * PyTorch side reports as {@code *_foreign_cpu_share}. Near 0: a clean number. Above ~0.1 the phase
 * competed for the cores (with OpenMP threads on a busy 2-core machine steps get 10–20× slower) and
 * should be rerun.
 *
 * <pre>{@code CpuWatch w = CpuWatch.start(); ...timed work...; Double share = w.foreignShare();}</pre>
 */
public final class CpuWatch {

    private static final Path PROC_STAT = Path.of("/proc/stat");

    private final long[] start;

    private CpuWatch(long[] start) {
        this.start = start;
    }

    public static CpuWatch start() {
        return new CpuWatch(sample());
    }

    /** Foreign share since {@link #start()}, rounded to 4 places; {@code null} where /proc/stat is unreadable. */
    public Double foreignShare() {
        long[] end = sample();
        if (start == null || end == null || end[1] <= start[1]) {
            return null;
        }
        double busy = end[0] - start[0];
        double total = end[1] - start[1];
        double own = (end[2] - start[2]) / 1e9 * USER_HZ;
        return Math.round(Math.max(0.0, (busy - own) / total) * 1e4) / 1e4;
    }

    /** The kernel reports /proc/stat in USER_HZ ticks, 100 on Linux x86-64. */
    private static final double USER_HZ = 100.0;

    /** {busy ticks, total ticks, own CPU ns}, or null. */
    private static long[] sample() {
        try {
            String first = Files.readAllLines(PROC_STAT).get(0);
            String[] f = first.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
            long own = ownCpuNanos();
            return own < 0 ? null : new long[] {total - idle, total, own};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long ownCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}

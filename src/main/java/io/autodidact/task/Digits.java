package io.autodidact.task;

/** Decimal helpers of the digit-by-digit tasks (addition, multiplication), whose formats write numbers reversed. */
final class Digits {
    /** Powers of ten up to 10^19 (which wraps around in a long: nothing may rely on it). */
    private static final long[] POW10 = new long[20];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) POW10[i] = POW10[i - 1] * 10;
    }

    private Digits() {}

    static long pow10(int n) {
        return POW10[n];
    }

    /** The number of decimal digits of {@code n >= 0}; 0 has one. */
    static int count(long n) {
        int d = 1;
        while (d < POW10.length - 1 && n >= POW10[d]) d++;
        return d;
    }

    /** A uniform number with exactly {@code digits} digits; 0 counts as a 1-digit number, so 1-digit numbers are 0..9. */
    static long draw(SplitMix64 random, int digits) {
        if (digits == 1) return random.below(10);
        return POW10[digits - 1] + random.below(9 * POW10[digits - 1]);
    }

    /** {@code n} zero-padded to {@code padTo} digits, least significant first. */
    static String reversed(long n, int padTo) {
        StringBuilder out = new StringBuilder(padTo);
        for (int i = 0; i < padTo; i++) {
            out.append((char) ('0' + n % 10));
            n /= 10;
        }
        return out.toString();
    }
}

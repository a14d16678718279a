package io.autodidact.engine;

/** Operations on token id sequences that recipes and engines share. */
public final class TokenIds {
    private TokenIds() {}

    /** The sequences one after another, as one new array. */
    public static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}

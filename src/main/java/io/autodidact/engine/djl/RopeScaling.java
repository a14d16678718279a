package io.autodidact.engine.djl;

import java.util.Set;

/**
 * How rotary frequencies are derived from {@code rope_theta}: {@code default} (1 / theta^(2i/d)) or {@code llama3}
 * (Llama 3.1's long-context rescaling: low frequencies divided by {@code factor}, high ones kept, a smooth blend
 * between), computed as transformers' {@code _compute_llama3_parameters} does. Other types are refused when read.
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {
    static final Set<String> TYPES = Set.of("default", "llama3");

    public RopeScaling {
        if (!TYPES.contains(type))
            throw new IllegalArgumentException("rope type '" + type + "' is not supported; use default or llama3");
        if (type.equals("llama3")) {
            if (!(factor >= 1)) throw new IllegalArgumentException("rope factor must be >= 1, got " + factor);
            if (!(lowFreqFactor > 0)) throw new IllegalArgumentException("rope low_freq_factor must be > 0, got " + lowFreqFactor);
            if (!(highFreqFactor > lowFreqFactor))
                throw new IllegalArgumentException("rope high_freq_factor (" + highFreqFactor + ") must exceed low_freq_factor (" + lowFreqFactor + ")");
            if (originalMaxPositionEmbeddings < 1)
                throw new IllegalArgumentException("rope original_max_position_embeddings must be > 0, got " + originalMaxPositionEmbeddings);
        }
    }

    public static RopeScaling none() {
        return new RopeScaling("default", 1, 0, 0, 0);
    }

    public static RopeScaling llama3(double factor, double low, double high, int originalContext) {
        return new RopeScaling("llama3", factor, low, high, originalContext);
    }

    public boolean isDefault() {
        return type.equals("default");
    }

    /** The inverse frequency of each of the {@code headDim / 2} rotary pairs. */
    public double[] invFreq(double theta, int headDim) {
        double[] f = new double[headDim / 2];
        for (int i = 0; i < f.length; i++) f[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        if (isDefault()) return f;
        double lowWavelen = originalMaxPositionEmbeddings / lowFreqFactor, highWavelen = originalMaxPositionEmbeddings / highFreqFactor;
        for (int i = 0; i < f.length; i++) {
            double wavelen = 2 * Math.PI / f[i];
            double scaled = wavelen > lowWavelen ? f[i] / factor : f[i];
            boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            if (medium) {
                double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            f[i] = scaled;
        }
        return f;
    }

    /** "" for default, else a short description for `model info`. */
    public String describe() {
        return isDefault() ? "" : ", rope " + type + " (factor " + factor + ", low " + lowFreqFactor + ", high " + highFreqFactor
                + ", original context " + originalMaxPositionEmbeddings + ")";
    }
}

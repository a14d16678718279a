package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Llama 3.1's rope rescaling, and how config.json's rope fields are read. */
class RopeScalingTest {

    /**
     * Meta's reference {@code apply_scaling} from the llama3 repository, in float64: a per-frequency branch, written
     * differently from transformers' vectorised form that {@link RopeScaling#invFreq} follows.
     */
    private static double[] metaReference(double theta, int dim, double factor, double low, double high, double old) {
        double lowWavelen = old / low, highWavelen = old / high;
        double[] out = new double[dim / 2];
        for (int i = 0; i < out.length; i++) {
            double freq = 1.0 / Math.pow(theta, (double) (2 * i) / dim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) out[i] = freq;
            else if (wavelen > lowWavelen) out[i] = freq / factor;
            else {
                double smooth = (old / wavelen - low) / (high - low);
                out[i] = (1 - smooth) * freq / factor + smooth * freq;
            }
        }
        return out;
    }

    @Test
    void llama3InverseFrequenciesMatchTheReferenceFormula() {
        // Llama 3.1 8B: theta 500000, head_dim 128, factor 8, low 1, high 4, original context 8192.
        double[] ours = RopeScaling.llama3(8, 1, 4, 8192).invFreq(500000, 128);
        double[] ref = metaReference(500000, 128, 8, 1, 4, 8192);
        int kept = 0, divided = 0, blended = 0;
        for (int i = 0; i < ours.length; i++) {
            assertEquals(ref[i], ours[i], 1e-12 * ref[i], "frequency " + i);
            double plain = 1.0 / Math.pow(500000, 2.0 * i / 128);
            if (ours[i] == plain) kept++;
            else if (Math.abs(ours[i] - plain / 8) < 1e-18) divided++;
            else blended++;
        }
        assertTrue(kept > 0 && divided > 0 && blended > 0, "all three regimes occur: " + kept + "/" + divided + "/" + blended);
        assertArrayEquals(RopeScaling.none().invFreq(500000, 128), metaReference(500000, 128, 1, 1, 2, Double.MAX_VALUE / 4), 1e-18);
    }

    private static Path config(Path dir, String rope) throws Exception {
        String json = """
                {"model_type": "llama", "vocab_size": 32, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 64, %s}
                """.formatted(rope);
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void ropeThetaIsReadAtTopLevelOrInRopeParametersAndLlama3ScalingRoundTrips(@TempDir Path tmp) throws Exception {
        assertEquals(250000, LlamaConfig.read(config(tmp, "\"rope_theta\": 250000")).ropeTheta());
        LlamaConfig c = LlamaConfig.read(config(tmp, """
                "rope_parameters": {"rope_theta": 500000.0, "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                 "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}"""));
        assertEquals(500000, c.ropeTheta());
        assertEquals(RopeScaling.llama3(8, 1, 4, 8192), c.ropeScaling());
        c.write(tmp.resolve("config.json"));
        assertEquals(c, LlamaConfig.read(tmp.resolve("config.json")), "written as rope_theta + rope_scaling, read back the same");
    }

    @Test
    void unsupportedRopeTypesAndFieldsAreRefusedByName(@TempDir Path tmp) throws Exception {
        var yarn = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.read(config(tmp,
                "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}")));
        assertTrue(yarn.getMessage().contains("rope_scaling.rope_type 'yarn'"), yarn.getMessage());
        var extra = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.read(config(tmp,
                "\"rope_parameters\": {\"rope_theta\": 1e4, \"rope_type\": \"default\", \"partial_rotary_factor\": 0.5}")));
        assertTrue(extra.getMessage().contains("partial_rotary_factor"), extra.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.read(config(tmp,
                "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}")));
        assertTrue(missing.getMessage().contains("low_freq_factor"), missing.getMessage());
    }
}

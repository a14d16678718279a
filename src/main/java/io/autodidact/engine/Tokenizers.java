package io.autodidact.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the tokenizer saved in a model directory, whichever kind it is. */
public final class Tokenizers {
    private Tokenizers() {}

    /** Whether {@code modelDir} carries tokenizer files {@link #load} understands. */
    public static boolean hasTokenizer(Path modelDir) {
        return Files.isRegularFile(modelDir.resolve(HfTokenizer.FILE)) || Files.isRegularFile(modelDir.resolve(CharTokenizer.FILE));
    }

    /**
     * {@link HfTokenizer} when {@code modelDir} has {@value HfTokenizer#FILE} (eos/pad from its config files),
     * else {@link CharTokenizer} when it has {@value CharTokenizer#FILE}. Close the result.
     */
    public static Tokenizer load(Path modelDir) throws IOException {
        if (Files.isRegularFile(modelDir.resolve(HfTokenizer.FILE))) return HfTokenizer.open(modelDir.resolve(HfTokenizer.FILE));
        if (Files.isRegularFile(modelDir.resolve(CharTokenizer.FILE))) return CharTokenizer.load(modelDir);
        throw new IOException("no tokenizer in " + modelDir + ": looked for " + HfTokenizer.FILE + " (Hugging Face) and "
                + CharTokenizer.FILE + " (character-level)");
    }
}

package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.FinishReason;
import io.autodidact.engine.Generation;
import io.autodidact.engine.HfFixtures;
import io.autodidact.engine.HfTokenizer;
import io.autodidact.engine.IdTokenizer;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generation stops on any of a model's eos ids, as transformers' generate does with a list in generation_config.json. */
class EosTest {

    @Test
    void greedyGenerationStopsAtTheFirstOfSeveralEosIds() throws Exception {
        Path dir = HfFixtures.hf().resolve("llama-tiny");
        SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
        long[] ids = expected.toLongArray("input_ids"), greedy = expected.toLongArray("greedy_ids");
        int[] prompt = new int[12];
        for (int i = 0; i < 12; i++) prompt[i] = (int) ids[i];
        // transformers' continuation of row 0, with its 4th token declared a second eos (the first never appears).
        int stop = (int) greedy[3];
        int never = 511;
        for (int i = 0; i < 3; i++) assertNotEquals(stop, (int) greedy[i], "the fixture's 4th token must be new for this test");
        var tokenizer = new IdTokenizer(dir, 512, Set.of(never, stop), 0);
        try (DjlEngine engine = Checkpoints.load(dir, EngineOptions.defaults().withThreads(1), tokenizer)) {
            Generation g = engine.generate(List.of(prompt), SamplingParams.greedy(16)).getFirst();
            assertEquals(FinishReason.EOS, g.finishReason());
            assertArrayEquals(new int[] {(int) greedy[0], (int) greedy[1], (int) greedy[2], stop}, g.tokens());
        }
    }

    @Test
    void hfTokenizerReadsEveryEosIdOfGenerationConfig(@TempDir Path tmp) throws Exception {
        Path q = HfFixtures.qwen3TokenizerDir();
        Files.copy(q.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
        Files.copy(q.resolve("tokenizer_config.json"), tmp.resolve("tokenizer_config.json"));
        Files.writeString(tmp.resolve("generation_config.json"), "{\"eos_token_id\": [151645, 151643], \"pad_token_id\": 151643}");
        try (HfTokenizer t = HfTokenizer.open(tmp.resolve("tokenizer.json"))) {
            assertEquals(151645, t.eosId(), "<|im_end|>, the first listed");
            assertEquals(Set.of(151645, 151643), t.eosIds(), "<|im_end|> and <|endoftext|>");
            assertEquals(151643, t.padId());
        }
    }
}

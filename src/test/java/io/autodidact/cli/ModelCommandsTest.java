package io.autodidact.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.HfFixtures;
import io.autodidact.engine.safetensors.SafetensorsFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `generate` and `model logits|info` run in process on the transformers fixtures and say what is wrong with bad directories. */
class ModelCommandsTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private static String csv(long[] ids, int from, int to) {
        return Arrays.stream(Arrays.copyOfRange(ids, from, to)).mapToObj(Long::toString).collect(Collectors.joining(","));
    }

    @Test
    void logitsCommandWritesTransformersLogits(@TempDir Path tmp) throws Exception {
        Path dir = HfFixtures.hf().resolve("qwen2-tiny");
        SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
        long[] ids = expected.toLongArray("input_ids");
        Path out = tmp.resolve("logits.safetensors");
        Result r = run("model", "logits", "--model", dir.toString(), "--ids", csv(ids, 0, 12), "--ids", csv(ids, 12, 24),
                "--output", out.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[2, 12, 512]"), r.out());
        SafetensorsFile written = SafetensorsFile.open(out);
        assertArrayEquals(new long[] {2, 12, 512}, written.info("logits").shape());
        float[] want = expected.toFloatArray("logits"), got = written.toFloatArray("logits");
        float worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
        assertTrue(worst < 1e-4, "max |logit difference| " + worst);
    }

    @Test
    void generateWithPromptIdsPrintsTransformersGreedyContinuationAsJson() throws Exception {
        Path dir = HfFixtures.hf().resolve("llama-tiny");
        SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
        long[] ids = expected.toLongArray("input_ids"), greedy = expected.toLongArray("greedy_ids");
        Result r = run("generate", "--model", dir.toString(), "--prompt-ids", csv(ids, 0, 12), "--max-new-tokens", "16", "--json",
                "--threads", "1");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        int n = json.get("ids").size();
        assertTrue(n >= 1 && n <= 16);
        for (int i = 0; i < n; i++) assertEquals(greedy[i], json.get("ids").get(i).asLong(), "token " + i);
        // llama-tiny's generation_config says eos 2: a shorter answer must have ended on it.
        if (n < 16) assertEquals("eos", json.get("finish_reason").asText());
        assertEquals(n, json.get("logprobs").size());
        assertTrue(json.get("logprobs").get(0).asDouble() < 0);
    }

    @Test
    void infoPrintsArchitectureParameterCountAndDtype() throws Exception {
        Result r = run("model", "info", HfFixtures.hf().resolve("qwen3-tiny").toString());
        assertEquals(0, r.code(), r.err());
        SafetensorsFile file = SafetensorsFile.open(HfFixtures.hf().resolve("qwen3-tiny/model.safetensors"));
        long params = file.names().stream().mapToLong(n -> file.info(n).numel()).sum();
        assertTrue(r.out().contains("Qwen3ForCausalLM"), r.out());
        assertTrue(r.out().contains(String.format("%,d", params)), r.out());
        assertTrue(r.out().contains("F32"), r.out());
        assertTrue(r.out().contains("q/k norm") && r.out().contains("tied"), r.out());
    }

    @Test
    void badDirectoriesGetErrorsNamingTheFileAndField(@TempDir Path tmp) throws Exception {
        Result missing = run("model", "info", tmp.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no config.json"), missing.err());

        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        Path src = HfFixtures.hf().resolve("llama-tiny");
        Files.copy(src.resolve("model.safetensors"), bad.resolve("model.safetensors"));
        Files.writeString(bad.resolve("config.json"), Files.readString(src.resolve("config.json")).replace("\"llama\"", "\"mistral\""));
        Result type = run("model", "info", bad.toString());
        assertTrue(type.err().contains("model_type 'mistral'"), type.err());

        Files.writeString(bad.resolve("config.json"), Files.readString(src.resolve("config.json")).replace("\"intermediate_size\": 160", "\"intermediate_size\": 128"));
        Result shape = run("model", "info", bad.toString());
        assertTrue(shape.err().contains("mlp.gate_proj.weight") && shape.err().contains("config.json implies"), shape.err());

        Result text = run("generate", "--model", src.toString(), "--prompt", "hello");
        assertEquals(2, text.code());
        assertTrue(text.err().contains("--prompt-ids"), "no tokenizer: say to give ids: " + text.err());
    }
}

package io.autodidact.loop;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.run.RunLauncher;
import io.autodidact.task.TaskWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configs fail before any work starts, naming the field (or file and line) and the fix. */
class RunSpecReaderTest {
    static final String BASE = "task: {name: addition}\nrecipe: {name: star}\n";

    static ConfigMap.ConfigException configError(String yaml) {
        return assertThrows(ConfigMap.ConfigException.class, () -> RunSpecReader.parse(yaml, Path.of("."), List.of(), "test.yaml"));
    }

    @Test
    void unknownKeyIsRefusedNamingItsPathAndTheValidKeys() {
        var e = configError(BASE + "model: {hiden: 64}\n");
        assertEquals("model.hiden", e.field());
        assertTrue(e.getMessage().contains("unknown key") && e.getMessage().contains("hidden"), e.getMessage());
        var top = configError(BASE + "iteratons: 3\n");
        assertEquals("iteratons", top.field());
    }

    @Test
    void wrongTypeIsRefusedNamingTheFieldAndWhatItMustBe() {
        var e = configError(BASE + "iterations: three\n");
        assertEquals("iterations", e.field());
        assertTrue(e.getMessage().contains("must be a whole number") && e.getMessage().contains("\"three\""), e.getMessage());
        var nested = configError(BASE + "eval: {temperature: hot}\n");
        assertEquals("eval.temperature", nested.field());
    }

    @Test
    void recipeOptionsAreValidatedByTheRecipe(@TempDir Path tmp) {
        RunSpec spec = RunSpecReader.parse("task: {name: addition}\nrecipe: {name: star, sampels: 4}\n", tmp, List.of(), "t");
        var e = assertThrows(ConfigMap.ConfigException.class, () -> RunLauncher.start(spec, tmp.resolve("run"), null, LoopEvents.NONE));
        assertEquals("recipe.sampels", e.field());
        assertFalse(Files.exists(tmp.resolve("run")), "nothing is created for an invalid config");
    }

    @Test
    void missingDatasetFileIsRefusedNamingTheField(@TempDir Path tmp) {
        var e = assertThrows(ConfigMap.ConfigException.class,
                () -> RunSpecReader.parse("task: {dataset: nope.jsonl}\n", tmp, List.of(), "t"));
        assertEquals("task.dataset", e.field());
        assertTrue(e.getMessage().contains("nope.jsonl") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void datasetRowWithoutAPromptIsRefusedNamingFileAndLineBeforeAnyWork(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("train.jsonl"), "{\"id\":\"a\",\"prompt\":\"1+1=\",\"answer\":\"2\"}\n{\"id\":\"b\",\"answer\":\"3\"}\n");
        RunSpec spec = RunSpecReader.parse("task: {dataset: train.jsonl}\n", tmp, List.of(), "t");
        var e = assertThrows(RuntimeException.class, () -> TaskWorkload.of(spec));
        assertTrue(e.getMessage().contains("train.jsonl") && e.getMessage().contains("line 2") && e.getMessage().contains("prompt"),
                e.getMessage());
    }

    @Test
    void overridesKeepTheirTypesAndUnknownRecipesAreNamed() {
        RunSpec spec = RunSpecReader.parse(BASE, Path.of("."), List.of("iterations=7", "eval.temperature=0.5"), "t");
        assertEquals(7, spec.iterations());
        assertEquals(0.5, spec.eval().temperature());
        var e = assertThrows(ConfigMap.ConfigException.class,
                () -> io.autodidact.recipe.Recipes.named("stra", java.util.Map.of()));
        assertTrue(e.getMessage().contains("available: [star, grpo"), e.getMessage());
    }

    @Test
    void theShippedConfigsParse() throws Exception {
        for (String f : List.of("configs/demo.yaml", "configs/defaults.yaml", "configs/recipes/grpo-addition.yaml",
                "configs/recipes/self-certainty-addition.yaml", "configs/recipes/bstar-addition.yaml", "configs/recipes/self-consistency-addition.yaml",
                "configs/recipes/star-sec-addition.yaml", "configs/recipes/guide-addition.yaml",
                "configs/recipes/iterative-deepening-addition.yaml", "configs/examples/remote-two-workers.yaml", "configs/examples/remote-lora.yaml",
                "configs/recipes/self-rewarding-dpo-addition.yaml", "configs/recipes/score-addition.yaml")) {
            RunSpec spec = RunSpecReader.read(Path.of(f), List.of());
            var workload = TaskWorkload.of(spec);
            var recipe = io.autodidact.recipe.Recipes.named(spec.recipe().name(), spec.recipe().options());
            recipe.ownReward(workload.answers()); // a label-free recipe can read this task's answers
        }
    }

    @Test
    void aRemoteEngineNeedsWorkersAsHostPortAndItsKeysOnlyApplyToRemote() {
        String base = "task: {name: addition}\n";
        RunSpec remote = RunSpecReader.parse(base + "engine: {type: remote, workers: [127.0.0.1:18816, 127.0.0.1:18817]}", Path.of("."), List.of(), "t");
        assertTrue(remote.engine().remote());
        assertEquals(List.of("127.0.0.1:18816", "127.0.0.1:18817"), remote.engine().workers());
        assertEquals("127.0.0.1:18816", ((java.util.Map<?, ?>) remote.toMap().get("engine")).get("trainer"), "the first worker trains by default");
        List<String[]> bad = List.of(
                new String[] {"engine: {type: remote}", "engine.workers"},
                new String[] {"engine: {type: remote, workers: [localhost]}", "engine.workers[0]"},
                new String[] {"engine: {type: remote, workers: [a:1], trainer: b}", "engine.trainer"},
                new String[] {"engine: {type: remote, workers: [a:1, a:1]}", "engine.workers"},
                new String[] {"engine: {type: gpu}", "engine.type"},
                new String[] {"engine: {workers: [a:1]}", "engine.workers"},
                new String[] {"engine: {type: remote, workers: [a:1], chunk_rows: 0}", "engine.chunk_rows"});
        for (String[] b : bad) {
            var e = assertThrows(ConfigMap.ConfigException.class, () -> RunSpecReader.parse(base + b[0], Path.of("."), List.of(), "t"), b[0]);
            assertEquals(b[1], e.field(), b[0] + " -> " + e.getMessage());
        }
    }
}

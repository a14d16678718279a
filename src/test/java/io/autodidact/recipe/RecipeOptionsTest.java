package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.Objective;
import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.LrSchedule;
import io.autodidact.loop.Recipe;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shared reading of recipe options: what it resolves, in which order, and how it refuses bad input. */
class RecipeOptionsTest {
    @Test
    void recordsEveryResolvedValueInReadingOrderWithDerivedValuesKeepingTheirPlace() {
        RecipeOptions o = new RecipeOptions(Map.of("samples", 4, "lr_schedule", "wsd", "advantage", "Dr-GRPO"));
        assertEquals(4, o.integer("samples", 8, 1, 1024));
        assertEquals(GroupAdvantages.DRGRPO, o.choice("advantage", "grpo", GroupAdvantages::parse));
        assertEquals(LrSchedule.Kind.WSD, o.schedule("cosine"));
        assertEquals("x", o.string("cue", "x"));
        o.put("samples", 5);
        o.put("derived", true);
        Map<String, Object> resolved = o.finish();
        assertEquals(List.of("samples", "advantage", "lr_schedule", "cue", "derived"), List.copyOf(resolved.keySet()));
        assertEquals(5, resolved.get("samples"));
        assertEquals("drgrpo", resolved.get("advantage"), "a choice is recorded by its canonical name, not as typed");
        assertEquals("wsd", resolved.get("lr_schedule"));
    }

    @Test
    void finetuningReadsStarsPlanWithItsDefaults() {
        RecipeOptions o = new RecipeOptions(Map.of("train_steps", 10, "restart_from_base", true));
        Recipe.TrainPlan plan = o.finetuning();
        assertEquals(new Recipe.TrainPlan(10, 128, 1e-3, 30, LrSchedule.Kind.COSINE, 0.5, true), plan);
        assertEquals(List.of("train_steps", "batch_size", "lr", "warmup_steps", "lr_schedule", "demonstration_mix", "restart_from_base"),
                List.copyOf(o.finish().keySet()));
    }

    @Test
    void optimizerReadsItsFourOptionsInOrderAndTheCatalogListsTheSameDefaults() {
        Optimizer defaults = new Optimizer(32, 1e-4, 0, LrSchedule.Kind.CONSTANT);
        RecipeOptions o = new RecipeOptions(Map.of("lr", 0.01, "epochs", 3));
        assertEquals(3, o.epochs());
        Optimizer read = o.optimizer(defaults);
        assertEquals(new Optimizer(32, 0.01, 0, LrSchedule.Kind.CONSTANT), read);
        Map<String, Object> resolved = o.finish();
        assertEquals(List.of("epochs", "batch_size", "lr", "warmup_steps", "lr_schedule"), List.copyOf(resolved.keySet()));
        Map<String, Object> listed = new java.util.LinkedHashMap<>();
        for (var doc : RecipeOptions.optimizerDocs(defaults, "pairs per step")) listed.put(doc.name(), doc.defaultValue());
        assertEquals(readDefaults(defaults), listed, "the catalog's defaults are what an empty config resolves to");
        Objective pg = Objective.policyGradient(0.2, 0.28, 0, Objective.Averaging.TOKEN, 40);
        assertEquals(new Recipe.TrainPlan(0, 32, 0.01, 0, LrSchedule.Kind.CONSTANT, 0, false, pg, 3), read.epochs(3, pg));
    }

    private static Map<String, Object> readDefaults(Optimizer defaults) {
        RecipeOptions o = new RecipeOptions(Map.of());
        o.optimizer(defaults);
        return o.finish();
    }

    @Test
    void samplingReadsSamplesWithTheRecipesFloorAndTemperature() {
        RecipeOptions o = new RecipeOptions(Map.of("temperature", 0.5));
        Sampling sampling = o.sampling(4, 2);
        assertEquals(new Sampling(4, 0.5), sampling);
        assertEquals(SamplingParams.sample(4, 0.5, 40, 7), sampling.params(40, 7));
        assertEquals(List.of("samples", "temperature"), List.copyOf(o.finish().keySet()));
        var floor = assertThrows(IllegalArgumentException.class, () -> new RecipeOptions(Map.of("samples", 1)).sampling(4, 2));
        assertEquals("recipe.samples: must be in [2, 1024], got 1", floor.getMessage());
    }

    @Test
    void splitHandsTheWrappedRecipeEveryKeyTheWrapperDoesNotReadInTheConfigsOrder() {
        Map<String, Object> options = new java.util.LinkedHashMap<>();
        options.put("lr", 0.1);
        options.put("cue", "?");
        options.put("samples", 4);
        options.put("max_rounds", 2);
        RecipeOptions.Split split = RecipeOptions.split(options, List.of("cue", "max_rounds", "deepening_demonstrations"));
        assertEquals(List.of("cue", "max_rounds"), List.copyOf(split.own().keySet()));
        assertEquals(List.of("lr", "samples"), List.copyOf(split.rest().keySet()));
        assertEquals(new RecipeOptions.Split(Map.of(), Map.of()), RecipeOptions.split(null, List.of("cue")));
    }

    @Test
    void errorsNameTheRecipeOptionAndUnreadKeysAreRefused() {
        var range = assertThrows(IllegalArgumentException.class, () -> new RecipeOptions(Map.of("samples", 0)).integer("samples", 8, 1, 1024));
        assertEquals("recipe.samples: must be in [1, 1024], got 0", range.getMessage());
        var type = assertThrows(IllegalArgumentException.class, () -> new RecipeOptions(Map.of("lr", "fast")).number("lr", 1e-3, 0, 10));
        assertEquals("recipe.lr: must be a number, got \"fast\"", type.getMessage());
        var choice = assertThrows(IllegalArgumentException.class, () -> new RecipeOptions(Map.of("lr_schedule", "linear")).schedule("cosine"));
        assertTrue(choice.getMessage().startsWith("recipe.lr_schedule: unknown schedule \"linear\""), choice.getMessage());
        RecipeOptions typo = new RecipeOptions(Map.of("sample", 4));
        typo.integer("samples", 8, 1, 1024);
        var unknown = assertThrows(IllegalArgumentException.class, typo::finish);
        assertEquals("recipe.sample: unknown key; valid keys in recipe: [samples]", unknown.getMessage());
        assertEquals("recipe.cue: must not be empty", RecipeOptions.error("cue", "must not be empty").getMessage());
    }
}

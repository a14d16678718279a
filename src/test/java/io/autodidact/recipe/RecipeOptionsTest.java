package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

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

package io.autodidact.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.Problem;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shipped task configs and the no-label mode as a run config reaches them. */
class TaskConfigsTest {

    @ParameterizedTest
    @ValueSource(strings = {"multiplication", "expressions", "sorting"})
    void eachShippedTaskConfigBuildsItsWorkload(String name) {
        RunSpec spec = RunSpecReader.read(Path.of("configs/tasks/" + name + ".yaml"), List.of());
        TaskWorkload w = TaskWorkload.of(spec);
        BuiltInTask task = Tasks.named(name, spec.task().options());
        assertEquals(task.alphabet(), w.alphabet());
        assertEquals(spec.task().maxDifficulty() - spec.task().minDifficulty() + 1, w.evalSets().size());
        assertTrue(w.evalSets().keySet().containsAll(spec.eval().headline()), w.evalSets().keySet() + " vs headline " + spec.eval().headline());
        assertEquals(spec.bootstrap().orElseThrow().examples(), w.demonstrations().size());
        for (Problem p : w.problems(1, spec.seed())) assertTrue(p.answer().isPresent());
    }

    @Test
    void labelsFalseWithholdsTrainingAnswersButNotEvalAnswers() {
        RunSpec spec = RunSpecReader.read(Path.of("configs/tasks/expressions.yaml"), List.of("task.options.labels=false"));
        TaskWorkload w = TaskWorkload.of(spec);
        for (Problem p : w.problems(1, spec.seed())) assertEquals(Optional.empty(), p.answer(), p.id());
        for (List<Problem> set : w.evalSets().values()) for (Problem p : set) assertTrue(p.answer().isPresent(), p.id());
        assertEquals(Optional.of("7"), w.answers().orElseThrow().answer("3+4=7\n>7"));
    }

    @Test
    void aBadTaskOptionFailsTheConfigNamingTheTaskSection() {
        RunSpec spec = RunSpecReader.read(Path.of("configs/tasks/sorting.yaml"), List.of("task.options.max_length=12"));
        var e = assertThrows(RuntimeException.class, () -> TaskWorkload.of(spec));
        assertTrue(e.getMessage().contains("task") && e.getMessage().contains("max_length") && e.getMessage().contains("2..9"), e.getMessage());
    }
}

package io.autodidact.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.djl.LlamaConfig;
import io.autodidact.loop.Problem;
import io.autodidact.reward.AnswerExtractor;
import io.autodidact.run.BestOfN;
import io.autodidact.task.AdditionTask;
import io.autodidact.task.EvalSet;
import io.autodidact.task.SeedExample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Best-of-N by self-certainty on a briefly trained tiny addition model, through the evaluation and the command. */
class BestOfNCommandTest {
    static DjlEngine trained() {
        AdditionTask task = new AdditionTask(2);
        CharTokenizer tok = new CharTokenizer(AdditionTask.ALPHABET);
        DjlEngine engine = DjlEngine.create(LlamaConfig.tiny(tok.vocabSize(), 32, 2, 4, 2, 48), tok, EngineOptions.defaults().withThreads(1).withSeed(1));
        List<TrainSequence> rows = new ArrayList<>();
        for (SeedExample e : task.seedExamples(300, 5)) {
            int[] p = tok.encode(e.prompt()), c = tok.encode(e.completion());
            int[] all = Arrays.copyOf(p, p.length + c.length + 1);
            System.arraycopy(c, 0, all, p.length, c.length);
            all[all.length - 1] = tok.eosId();
            rows.add(new TrainSequence(all, p.length));
        }
        for (int s = 0; s < 400; s++) engine.train(new TrainBatch(rows.subList((s * 32) % 256, (s * 32) % 256 + 32), 5e-3));
        return engine;
    }

    @Test
    void everyChoiceIsBoundedByTheOracleAndAllAgreeAtNOne(@TempDir Path tmp) throws Exception {
        AdditionTask task = new AdditionTask(2);
        SequencedMap<String, List<Problem>> sets = new LinkedHashMap<>();
        for (EvalSet s : task.evalSets(8)) sets.put(s.name(), s.problems());
        try (DjlEngine engine = trained()) {
            List<BestOfN.Row> four = BestOfN.evaluate(engine, sets, task.verifier(), AnswerExtractor.lastLine(), 4, 1.0, 20, 0.5, 3);
            assertEquals(2, four.size());
            for (BestOfN.Row r : four)
                for (double v : new double[] {r.random(), r.mostCertain(), r.borda(), r.majority()}) assertTrue(v <= r.oracle(), r.toString());
            assertTrue(BestOfN.overall(four).oracle() > 0, "a trained model solves some sums: " + four);
            for (BestOfN.Row r : BestOfN.evaluate(engine, sets, task.verifier(), AnswerExtractor.lastLine(), 1, 1.0, 20, 0.5, 3)) {
                assertEquals(r.oracle(), r.random(), "one sample: every choice is that sample");
                assertEquals(r.oracle(), r.mostCertain());
                assertTrue(r.borda() == r.majority() && r.borda() <= r.oracle());
            }
            engine.save(tmp.resolve("ckpt"));
        }
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true));
            code = new CommandLine(new Main()).execute("bestofn", tmp.resolve("ckpt").toString(), "--task", "addition", "--n", "3",
                    "--per-difficulty", "4", "--set", "task.options.width=2", "--set", "generate.max_new_tokens=20");
        } finally {
            System.setOut(saved);
        }
        String text = out.toString();
        assertEquals(0, code, text);
        assertTrue(text.contains("certainty") && text.contains("borda") && text.contains("majority") && text.contains("pass@3"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("all ") && l.contains("8")), "both sets of 4 problems in the total: " + text);
    }
}

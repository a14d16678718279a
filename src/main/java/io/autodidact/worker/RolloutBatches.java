package io.autodidact.worker;

import io.autodidact.engine.FinishReason;
import io.autodidact.engine.Generation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;

/** Rollouts to and from {@link WorkerProtocol#ROLLOUT} batches: the worker writes them, the client reads them. */
public final class RolloutBatches {
    private RolloutBatches() {}

    /** Fills {@code out} (schema {@link WorkerProtocol#ROLLOUT}) with {@code rows}; token and logprob columns in one bulk copy per row. */
    public static void write(List<Generation> rows, VectorSchemaRoot out) {
        out.allocateNew();
        IntVector p = (IntVector) out.getVector(0), s = (IntVector) out.getVector(1);
        VarCharVector text = (VarCharVector) out.getVector(4), finish = (VarCharVector) out.getVector(5);
        List<int[]> tokens = new ArrayList<>(rows.size());
        List<float[]> logprobs = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Generation g = rows.get(i);
            p.setSafe(i, g.promptIndex());
            s.setSafe(i, g.sampleIndex());
            text.setSafe(i, g.text().getBytes(StandardCharsets.UTF_8));
            finish.setSafe(i, g.finishReason().name().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            tokens.add(g.tokens());
            logprobs.add(g.logprobs());
        }
        Columns.setInts((ListVector) out.getVector(2), tokens);
        Columns.setFloats((ListVector) out.getVector(3), logprobs);
        out.setRowCount(rows.size());
    }

    /** Every row of {@code in} (schema {@link WorkerProtocol#ROLLOUT}) as a {@link Generation}. */
    public static void read(VectorSchemaRoot in, Consumer<Generation> onRow) {
        IntVector pi = (IntVector) in.getVector(0), si = (IntVector) in.getVector(1);
        ListVector tokens = (ListVector) in.getVector(2), logprobs = (ListVector) in.getVector(3);
        VarCharVector text = (VarCharVector) in.getVector(4), finish = (VarCharVector) in.getVector(5);
        for (int i = 0; i < in.getRowCount(); i++)
            onRow.accept(new Generation(pi.get(i), si.get(i), Columns.ints(tokens, i), Columns.floats(logprobs, i),
                    new String(text.get(i), StandardCharsets.UTF_8),
                    FinishReason.valueOf(new String(finish.get(i), StandardCharsets.UTF_8).toUpperCase(Locale.ROOT))));
    }
}

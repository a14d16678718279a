package io.autodidact.cli;

import io.autodidact.engine.djl.Checkpoints;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.djl.LlamaConfig;
import io.autodidact.engine.djl.ModelInfo;
import io.autodidact.engine.safetensors.SafetensorsWriter;
import io.autodidact.engine.safetensors.TensorData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code autodidact model info DIR | logits ...}: inspect a Hugging Face model directory and compute with it. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Inspect a model directory or compute its logits.",
        subcommands = {ModelCommand.Info.class, ModelCommand.Logits.class})
final class ModelCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Architecture, parameter count and dtype, from config.json and the safetensors headers.")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR")
        Path dir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try {
                ModelInfo info = ModelInfo.read(dir);
                LlamaConfig c = info.config();
                out.printf("architecture  %s (model_type %s)%n", info.architecture(), c.modelType());
                out.printf("parameters    %,d%n", info.parameters());
                out.printf("dtype         %s%n", String.join(", ", info.dtypes()));
                out.printf("layers        %d, hidden %d, intermediate %d%n", c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize());
                out.printf("attention     %d heads, %d kv heads, head_dim %d%s%s%n", c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(),
                        c.attentionBias() ? ", q/k/v bias" : "", c.qkNorm() ? ", q/k norm" : "");
                out.printf("vocab         %d, context %d, rope_theta %s%s, %s head%n", c.vocabSize(), c.maxPositionEmbeddings(),
                        c.ropeTheta(), c.ropeScaling().describe(), c.tieWordEmbeddings() ? "tied" : "untied");
                out.flush();
                return 0;
            } catch (IllegalArgumentException | UncheckedIOException e) {
                return fail(spec, "model info", e);
            }
        }
    }

    @Command(name = "logits", mixinStandardHelpOptions = true, description = "Write the float32 logits [rows, tokens, vocab] of token ids to a safetensors file.")
    static final class Logits implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "DIR")
        Path model;

        @Option(names = "--ids", required = true, paramLabel = "IDS", split = ",", description = "One row of token ids, e.g. 1,2,3; repeat for more rows (equal lengths).")
        List<String> ids = new ArrayList<>();

        @Option(names = "--output", required = true, paramLabel = "FILE.safetensors")
        Path output;

        @Option(names = "--threads", defaultValue = "0", description = "libtorch threads (0 = all cores).")
        int threads;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            // picocli splits every --ids on commas into one flat list; the original rows come from the raw options.
            List<int[]> rows = new ArrayList<>();
            for (String raw : spec.commandLine().getParseResult().matchedOption("--ids").originalStringValues()) {
                try {
                    rows.add(java.util.Arrays.stream(raw.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray());
                } catch (NumberFormatException e) {
                    return fail(spec, "model logits", new IllegalArgumentException("--ids " + raw + ": expected comma-separated token ids"));
                }
            }
            try (DjlEngine engine = Checkpoints.load(model, EngineOptions.defaults().withThreads(threads))) {
                float[] logits = engine.logits(rows);
                long[] shape = {rows.size(), rows.getFirst().length, engine.model().config().vocabSize()};
                LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
                tensors.put("logits", TensorData.f32(shape, logits));
                SafetensorsWriter.write(output, tensors, Map.of());
                out.printf("wrote logits [%d, %d, %d] to %s%n", shape[0], shape[1], shape[2], output);
                out.flush();
                return 0;
            } catch (IllegalArgumentException | UncheckedIOException | IOException e) {
                return fail(spec, "model logits", e);
            }
        }
    }

    static int fail(CommandSpec spec, String command, Exception e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("autodidact " + command + ": " + e.getMessage());
        err.flush();
        return 2;
    }
}

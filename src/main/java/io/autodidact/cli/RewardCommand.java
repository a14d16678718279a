package io.autodidact.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.python.CodeExecutionReward;
import io.autodidact.python.PythonReward;
import io.autodidact.python.PythonRewardSpec;
import io.autodidact.python.SampleFile;
import io.autodidact.python.SandboxLimits;
import io.autodidact.reward.Sample;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code autodidact reward score}: runs a Python reward (or code execution) over a JSONL file of samples. */
@Command(name = "reward", mixinStandardHelpOptions = true, description = "Python rewards.", subcommands = RewardCommand.ScoreCommand.class)
final class RewardCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Score samples (JSONL: prompt, completion, answer, metadata, id) with a Python reward; one JSON line per sample out "
                    + "(score, correct, error, millis). Exits 0 when every sample was scored, even if some calls failed.")
    static final class ScoreCommand implements Callable<Integer> {
        @Option(names = "--code", paramLabel = "FILE", description = "The reward: a .py file, or a directory (with --module).")
        Path code;

        @Option(names = "--code-execution", description = "Instead of --code: run each completion as a program against metadata.tests.")
        boolean codeExecution;

        @Option(names = "--function", description = "Function to call per sample (default: ${DEFAULT-VALUE}).", defaultValue = "reward")
        String function;

        @Option(names = "--module", description = "Entry module when --code is a directory.")
        String module;

        @Option(names = "--untrusted", description = "Run in sandbox child processes with a heap limit (always so for --code-execution).")
        boolean untrusted;

        @Option(names = "--input", required = true, paramLabel = "SAMPLES.jsonl", description = "Samples to score.")
        Path input;

        @Option(names = "--output", paramLabel = "OUT.jsonl", description = "Where to write the scores (default: stdout).")
        Path output;

        @Option(names = "--timeout-ms", description = "Wall-time limit per call (default: ${DEFAULT-VALUE}).", defaultValue = "5000")
        int timeoutMs;

        @Option(names = "--batch", description = "Samples per call (default: ${DEFAULT-VALUE}).", defaultValue = "64")
        int batch;

        @Option(names = "--workers", description = "Contexts or sandbox processes in parallel (default: cores; untrusted: cores/2).")
        Integer workers;

        @Override
        public Integer call() {
            if ((code == null) == !codeExecution) {
                System.err.println("autodidact reward score: give --code FILE or --code-execution (one of them)");
                return 2;
            }
            if (timeoutMs < 10 || batch < 1 || (workers != null && workers < 1)) {
                System.err.println("autodidact reward score: --timeout-ms must be >= 10, --batch and --workers >= 1");
                return 2;
            }
            if (!Files.isReadable(input)) {
                System.err.println("autodidact reward score: cannot read --input " + input);
                return 1;
            }
            List<Sample> samples;
            try {
                samples = SampleFile.read(input);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                System.err.println("autodidact reward score: " + e.getMessage());
                return 1;
            }
            boolean sandboxed = untrusted || codeExecution;
            int n = workers != null ? workers : PythonRewardSpec.defaultWorkers(sandboxed);
            SandboxLimits limits = SandboxLimits.DEFAULT.withTimeout(Duration.ofMillis(timeoutMs));
            PythonReward reward;
            try {
                reward = codeExecution ? CodeExecutionReward.create(limits, n, 0)
                        : PythonReward.open(new PythonRewardSpec(code, Optional.ofNullable(module), function, sandboxed, limits, batch, n, 0));
            } catch (IllegalArgumentException | UncheckedIOException e) {
                System.err.println("autodidact reward score: " + e.getMessage());
                return 1;
            }
            try (reward; Writer out = output == null ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                    : Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                return score(reward, samples, out, n);
            } catch (IOException e) {
                System.err.println("autodidact reward score: cannot write " + (output == null ? "stdout" : output) + ": " + e.getMessage());
                return 1;
            }
        }

        private int score(PythonReward reward, List<Sample> samples, Writer out, int n) throws IOException {
            ObjectMapper json = new ObjectMapper();
            int group = Math.max(1, batch * n), failed = 0, correct = 0;
            double sum = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < samples.size(); i += group) {
                List<Sample> part = samples.subList(i, Math.min(samples.size(), i + group));
                long g0 = System.nanoTime();
                List<io.autodidact.reward.Score> scores = reward.score(part);
                double millis = (System.nanoTime() - g0) / 1e6 / part.size(); // calls are batched: each sample's share
                for (int j = 0; j < part.size(); j++) {
                    io.autodidact.reward.Score s = scores.get(j);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", part.get(j).problem().id());
                    row.put("score", s.failed() ? null : s.reward());
                    row.put("correct", s.failed() ? null : s.correct());
                    row.put("error", s.failed() ? s.error() : null);
                    row.put("millis", Math.round(millis * 1000) / 1000.0);
                    if (!s.message().isEmpty()) row.put("message", s.message());
                    if (!s.steps().isEmpty()) row.put("steps", s.steps());
                    out.write(json.writeValueAsString(row));
                    out.write('\n');
                    if (s.failed()) failed++;
                    else {
                        sum += s.reward();
                        if (s.correct()) correct++;
                    }
                }
            }
            out.flush();
            double secs = (System.nanoTime() - t0) / 1e9;
            PrintStream summary = output == null ? System.err : System.out;
            int ok = samples.size() - failed;
            summary.printf(Locale.ROOT, "scored %d samples with %s in %.2f s (%.0f/s): %d correct, mean score %.4f, %d errors%n",
                    samples.size(), reward.name(), secs, samples.size() / Math.max(secs, 1e-9), correct, ok == 0 ? 0 : sum / ok, failed);
            PythonReward.Stats st = reward.stats();
            summary.printf(Locale.ROOT, "failed calls %d, contexts/processes replaced %d%s%n", st.failedCalls(), st.replacements(),
                    output == null ? "" : "; wrote " + output);
            return 0;
        }
    }
}

package io.autodidact.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.python.PythonReward;
import io.autodidact.python.PythonRewardSpec;
import io.autodidact.python.SampleFile;
import io.autodidact.python.SandboxLimits;
import io.autodidact.reward.Sample;
import io.autodidact.task.RewardTrial;
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

/** {@code autodidact reward score}: runs a reward (Java verifier, Python code or code execution) over a JSONL file of samples. */
@Command(name = "reward", mixinStandardHelpOptions = true, description = "Try rewards on samples.", subcommands = RewardCommand.ScoreCommand.class)
final class RewardCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Score samples (JSONL: prompt, completion, answer, metadata, id) with a reward; one JSON line per sample out "
                    + "(id, score, correct, error, millis). Exits 0 when every sample was scored, even if some calls failed. "
                    + "POST /api/rewards/score does the same over HTTP.")
    static final class ScoreCommand implements Callable<Integer> {
        @Option(names = "--code", paramLabel = "FILE", description = "The reward: a .py file, or a directory (with --module).")
        Path code;

        @Option(names = "--code-execution", description = "Instead of --code: run each completion as a program against metadata.tests.")
        boolean codeExecution;

        @Option(names = "--verifier", paramLabel = "NAME", description = "Instead of --code: a Java verifier (exact, numeric, regex).")
        String verifier;

        @Option(names = "--option", paramLabel = "KEY=VALUE", description = "A --verifier option, e.g. marker=Answer: or abs_tol=1e-6 (repeatable).")
        Map<String, String> verifierOptions = new LinkedHashMap<>();

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
            if ((code != null ? 1 : 0) + (codeExecution ? 1 : 0) + (verifier != null ? 1 : 0) != 1) {
                System.err.println("autodidact reward score: give one of --code FILE, --code-execution or --verifier NAME");
                return 2;
            }
            if (!verifierOptions.isEmpty() && verifier == null) {
                System.err.println("autodidact reward score: --option belongs to --verifier");
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
            RewardTrial.Choice choice = verifier != null ? new RewardTrial.Verifier(verifier, new LinkedHashMap<String, Object>(verifierOptions))
                    : codeExecution ? new RewardTrial.CodeExecution(limits)
                    : new RewardTrial.Python(Optional.of(code), Optional.empty(), Optional.ofNullable(module), function, sandboxed, limits);
            RewardTrial trial;
            try {
                trial = RewardTrial.open(choice, n, batch);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                System.err.println("autodidact reward score: " + e.getMessage());
                return 1;
            }
            try (trial; Writer out = output == null ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                    : Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                return score(trial, samples, out, n);
            } catch (IOException e) {
                System.err.println("autodidact reward score: cannot write " + (output == null ? "stdout" : output) + ": " + e.getMessage());
                return 1;
            }
        }

        private int score(RewardTrial trial, List<Sample> samples, Writer out, int n) throws IOException {
            ObjectMapper json = new ObjectMapper();
            int group = Math.max(1, batch * n);
            List<RewardTrial.Result> all = new java.util.ArrayList<>(samples.size());
            long t0 = System.nanoTime();
            // Groups of batch x workers keep output flowing on large files; each group is one parallel call.
            for (int i = 0; i < samples.size(); i += group) {
                for (RewardTrial.Result r : trial.score(samples.subList(i, Math.min(samples.size(), i + group)))) {
                    out.write(json.writeValueAsString(r.toMap()));
                    out.write('\n');
                    all.add(r);
                }
            }
            out.flush();
            RewardTrial.Summary sum = RewardTrial.summarize(all, (System.nanoTime() - t0) / 1e9);
            PrintStream summary = output == null ? System.err : System.out;
            summary.printf(Locale.ROOT, "scored %d samples with %s in %.2f s (%.0f/s): %d correct, mean score %.4f, %d errors%n",
                    sum.samples(), trial.name(), sum.seconds(), sum.samples() / Math.max(sum.seconds(), 1e-9), sum.correct(), sum.meanScore(),
                    sum.errors());
            PythonReward.Stats st = trial.pythonStats().orElse(null);
            if (st != null) summary.printf(Locale.ROOT, "failed calls %d, contexts/processes replaced %d%n", st.failedCalls(), st.replacements());
            if (output != null) summary.println("wrote " + output);
            return 0;
        }
    }
}

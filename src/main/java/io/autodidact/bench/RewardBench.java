package io.autodidact.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.python.CodeExecutionReward;
import io.autodidact.python.PythonReward;
import io.autodidact.python.PythonRewardSpec;
import io.autodidact.python.PythonRuntime;
import io.autodidact.python.SampleFile;
import io.autodidact.python.SandboxLimits;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code autodidact bench rewards}: (1) one Python reward file over the same samples in GraalPy (pooled,
 * warmed, batched through {@code reward_batch}) and in CPython (a {@code python3} process reading the same
 * JSONL), both timed from reading the file to the last score; (2) the code-execution reward over programs
 * with tests in the sandbox (warm child JVMs) against one fresh {@code python3} process per program, with the
 * same number of workers on each side.
 */
public final class RewardBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PYTHON_FILES = List.of("autodidact/rewards/__init__.py", "autodidact/rewards/answers.py",
            "autodidact/rewards/code_exec.py", "autodidact/bench/bench_reward.py", "autodidact/bench/reward_cpython.py",
            "autodidact/bench/program_cpython.py");

    /** Sizes of the two parts, the CPython executable and a working directory. */
    public record Options(int samples, int programs, String python, Path workDir) {}

    private RewardBench() {}

    public static BenchTable run(Options o, Consumer<String> log) throws Exception {
        Files.createDirectories(o.workDir());
        Path root = extractPython(o.workDir().resolve("python"));
        Path samples = writeSamples(o.workDir().resolve("reward-samples.jsonl"), o.samples());
        Path rewardFile = root.resolve("autodidact/bench/bench_reward.py");
        int cores = Runtime.getRuntime().availableProcessors();

        log.accept("GraalPy: " + PythonRuntime.shared().description());
        PythonRewardSpec spec = new PythonRewardSpec(rewardFile, Optional.empty(), "reward", false,
                SandboxLimits.DEFAULT.withTimeout(Duration.ofSeconds(30)), 256, cores, 0);
        double graal, cpython, graalMean;
        try (PythonReward reward = PythonReward.open(spec)) {
            reward.warm();
            List<Sample> warm = SampleFile.read(samples);
            // The optimizing runtime compiles hot Python in the background: warm up until the rate settles.
            double last = 0;
            for (int round = 0; round < 12; round++) {
                long t0 = System.nanoTime();
                List<Sample> part = warm.subList(0, Math.min(warm.size(), 20_000));
                reward.score(part);
                double rate = part.size() / ((System.nanoTime() - t0) / 1e9);
                log.accept(String.format("GraalPy warm-up round %d: %.0f scores/s", round + 1, rate));
                if (round >= 2 && rate < last * 1.1) break;
                last = Math.max(last, rate);
            }
            long t0 = System.nanoTime();
            List<Score> scores = reward.score(SampleFile.read(samples));
            double secs = (System.nanoTime() - t0) / 1e9;
            graal = scores.size() / secs;
            graalMean = scores.stream().mapToDouble(Score::reward).average().orElse(0);
            if (reward.stats().errors() > 0) throw new IllegalStateException("GraalPy scoring had " + reward.stats().errors() + " errors");
        }
        log.accept(String.format("GraalPy: %.0f scores/s (mean score %.4f)", graal, graalMean));
        JsonNode cp = runCpython(o.python(), root, rewardFile, samples);
        cpython = cp.get("scores_per_s").asDouble();
        log.accept(String.format("CPython %s: %.0f scores/s (mean score %.4f)", cp.get("python").asText(), cpython, cp.get("mean_score").asDouble()));
        if (Math.abs(cp.get("mean_score").asDouble() - graalMean) > 1e-9)
            throw new IllegalStateException("GraalPy and CPython disagree on the mean score: " + graalMean + " vs " + cp.get("mean_score"));

        int workers = PythonRewardSpec.defaultWorkers(true);
        List<Map<String, Object>> programs = programs(o.programs());
        List<Sample> programSamples = new ArrayList<>();
        for (Map<String, Object> p : programs)
            programSamples.add(new Sample(new io.autodidact.loop.Problem((String) p.get("id"), "p", Optional.empty(), Optional.empty(),
                    java.util.OptionalDouble.empty(), Map.of("tests", JSON.writeValueAsString(p.get("tests")))), (String) p.get("program")));
        double sandbox;
        long sandboxPassed;
        try (PythonReward exec = CodeExecutionReward.create(SandboxLimits.DEFAULT, workers, 0)) {
            // The children compile the grader as it runs (thousands of programs before it settles): warm up by the
            // same rule as the GraalPy side, on the same programs.
            List<Sample> warmPrograms = programSamples.subList(0, Math.min(programSamples.size(), 500));
            double best = 0;
            for (int round = 0; round < 20; round++) {
                long w0 = System.nanoTime();
                exec.score(warmPrograms);
                double rate = warmPrograms.size() / ((System.nanoTime() - w0) / 1e9);
                log.accept(String.format("sandbox warm-up round %d: %.1f programs/s", round + 1, rate));
                if (round >= 2 && rate < best * 1.1) break;
                best = Math.max(best, rate);
            }
            long t0 = System.nanoTime();
            List<Score> scores = exec.score(programSamples);
            sandbox = scores.size() / ((System.nanoTime() - t0) / 1e9);
            sandboxPassed = scores.stream().filter(Score::correct).count();
        }
        log.accept(String.format("sandbox: %.1f programs/s with %d child JVM(s), %d all-pass", sandbox, workers, sandboxPassed));
        long[] subprocessPassed = {0};
        double subprocess = runSubprocesses(o.python(), root, programs, workers, subprocessPassed);
        log.accept(String.format("fresh python3 per program: %.1f programs/s with %d worker(s), %d all-pass", subprocess, workers, subprocessPassed[0]));
        if (sandboxPassed != subprocessPassed[0])
            throw new IllegalStateException("sandbox and subprocess disagree on passing programs: " + sandboxPassed + " vs " + subprocessPassed[0]);

        return new BenchTable("rewards", "bench rewards: " + o.samples() + " samples, " + o.programs() + " programs, " + cores + " cores",
                "GraalPy", "CPython")
                .higher("reward scores", "scores/s", graal, cpython)
                .higher("code execution (CPython: fresh process each)", "programs/s", sandbox, subprocess)
                .metric("graalpy_scores_per_s", graal)
                .metric("cpython_scores_per_s", cpython)
                .metric("reward_ratio", graal / cpython)
                .metric("sandbox_programs_per_s", sandbox)
                .metric("subprocess_programs_per_s", subprocess)
                .metric("sandbox_ratio", sandbox / subprocess)
                .note("graalpy", PythonRuntime.shared().description())
                .note("cpython", cp.get("python").asText())
                .note("reward workers (GraalPy contexts)", cores)
                .note("code-execution workers (each side)", workers);
    }

    private static Path extractPython(Path dir) throws IOException {
        for (String f : PYTHON_FILES) {
            Path target = dir.resolve(f);
            Files.createDirectories(target.getParent());
            try (InputStream in = RewardBench.class.getClassLoader().getResourceAsStream("python/" + f)) {
                if (in == null) throw new IllegalStateException("classpath resource python/" + f + " is missing; rebuild");
                Files.write(target, in.readAllBytes());
            }
        }
        return dir;
    }

    /** GSM8K-like samples: a quarter wrong, answers in the three forms the helpers extract. */
    private static Path writeSamples(Path file, int n) throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < n; i++) {
                int a = rnd.nextInt(1000), b = rnd.nextInt(1000), sum = a + b, said = rnd.nextInt(4) == 0 ? sum + 1 + rnd.nextInt(9) : sum;
                String completion = switch (i % 3) {
                    case 0 -> "We add " + a + " and " + b + " step by step.\n#### " + said;
                    case 1 -> "Adding gives " + said + ", so the answer is " + said + ".";
                    default -> "First " + a + ", then " + b + ": \\boxed{" + String.format("%,d", said) + "}";
                };
                w.write(JSON.writeValueAsString(Map.of("id", "s" + i, "prompt", "What is " + a + " + " + b + "?", "completion", completion,
                        "answer", String.valueOf(sum))));
                w.write('\n');
            }
        }
        return file;
    }

    private static JsonNode runCpython(String python, Path root, Path rewardFile, Path samples) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(python, root.resolve("autodidact/bench/reward_cpython.py").toString(), rewardFile.toString(),
                samples.toString(), "256").redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("PYTHONPATH", root.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) throw new IllegalStateException(python + " failed (exit " + p.exitValue() + "): " + out);
        return JSON.readTree(out.lines().reduce((x, y) -> y).orElseThrow());
    }

    /** Programs {@code f(x) = k*x + c} with three asserts; one in five is wrong. */
    private static List<Map<String, Object>> programs(int n) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = 2 + i % 5, c = i % 7, claimed = i % 5 == 0 ? c + 1 : c;
            String program = "def f(x):\n    total = 0\n    for _ in range(" + k + "):\n        total += x\n    return total + " + claimed + "\n";
            List<String> tests = List.of("assert f(0) == " + c, "assert f(3) == " + (3 * k + c), "assert f(-2) == " + (-2 * k + c));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", "prog" + i);
            m.put("program", program);
            m.put("tests", tests);
            out.add(m);
        }
        return out;
    }

    private static double runSubprocesses(String python, Path root, List<Map<String, Object>> programs, int workers, long[] passed) throws Exception {
        String script = root.resolve("autodidact/bench/program_cpython.py").toString();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        long t0 = System.nanoTime();
        List<Future<Boolean>> results = new ArrayList<>();
        for (Map<String, Object> prog : programs)
            results.add(pool.submit(() -> {
                Process p = new ProcessBuilder(python, "-I", script).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                try (OutputStream in = p.getOutputStream()) {
                    in.write(JSON.writeValueAsBytes(Map.of("program", prog.get("program"), "tests", prog.get("tests"))));
                }
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
                return out.equals("3");
            }));
        for (Future<Boolean> f : results) if (f.get()) passed[0]++;
        double rate = programs.size() / ((System.nanoTime() - t0) / 1e9);
        pool.shutdown();
        return rate;
    }
}

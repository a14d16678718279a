package io.autodidact.python;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A {@link Reward} written in Python: the user's module defines {@code reward(sample)} (a sample is a dict
 * with {@code prompt}, {@code completion}, {@code answer}, {@code metadata} and {@code id}, also readable as
 * attributes) and optionally {@code reward_batch(samples)}; each returns a float, a bool, or a dict with
 * {@code score} and optional {@code correct}, {@code steps} and {@code message}.
 *
 * <p>Samples are scored in batches, in parallel over a pool of sandboxed GraalPy contexts (trusted code) or
 * of sandbox child JVMs (untrusted code). A sample whose call fails gets a failed {@link Score} carrying the
 * error; a batch that timed out or crashed is retried one sample at a time, so one runaway sample does not
 * fail its batch-mates (in a sandbox child, a reward without a batch function gets each sample as its own call
 * with its own time limit, so only a child that dies makes a batch retry). Scores are memoised; editing the
 * reward's files reloads it and drops the cache.
 */
public final class PythonReward implements Reward, AutoCloseable {
    private final String name;
    private final Supplier<PythonProgram> loader;
    private final Supplier<String> fingerprint;
    private final boolean untrusted;
    private final PythonRuntime runtime;
    private final PythonRewardSpec spec;
    private final Optional<ScoreCache> cache;
    private final ExecutorService workers;
    private final AtomicLong scored = new AtomicLong(), errors = new AtomicLong(), failedCalls = new AtomicLong();
    private PythonBackend backend;
    private String version;
    private String lastFingerprint;
    private long retiredReplacements;
    private Optional<String> loadError = Optional.empty();

    private PythonReward(String name, Supplier<PythonProgram> loader, Supplier<String> fingerprint, PythonRewardSpec spec,
            PythonRuntime runtime) {
        this.name = name;
        this.loader = loader;
        this.fingerprint = fingerprint;
        this.untrusted = spec.untrusted();
        this.runtime = runtime;
        this.spec = spec;
        this.cache = spec.cacheSize() > 0 ? Optional.of(new ScoreCache(spec.cacheSize())) : Optional.empty();
        this.lastFingerprint = fingerprint.get();
        PythonProgram program = loader.get();
        this.backend = start(program);
        this.version = program.version();
        this.workers = Executors.newFixedThreadPool(spec.workers(), r -> {
            Thread t = new Thread(r, "python-reward");
            t.setDaemon(true);
            return t;
        });
    }

    /** Loads the reward in the process-wide {@link PythonRuntime}; throws {@link PythonLoadException} when it does not load. */
    public static PythonReward open(PythonRewardSpec spec) {
        return open(spec, PythonRuntime.shared());
    }

    public static PythonReward open(PythonRewardSpec spec, PythonRuntime runtime) {
        Path code = spec.code().toAbsolutePath().normalize();
        String module = spec.module().orElseGet(() -> {
            if (Files.isDirectory(code))
                throw new IllegalArgumentException("reward code " + code + " is a directory; name the entry module (e.g. module: my_reward)");
            String file = code.getFileName().toString();
            return file.endsWith(".py") ? file.substring(0, file.length() - 3) : file;
        });
        Supplier<PythonProgram> loader = () -> PythonProgram.of(Modules.read(code), module, spec.function());
        return new PythonReward("python:" + code.getFileName() + "#" + spec.function(), loader, () -> fingerprint(code), spec, runtime);
    }

    /**
     * A reward given as source text rather than files (a request body): one module named {@code module}. The
     * spec's {@code code} path is ignored; the source never changes, so it is never reloaded.
     */
    public static PythonReward ofSource(String module, String source, PythonRewardSpec spec) {
        ModuleSource m = new ModuleSource(module, "<" + module + ">", source, false);
        return new PythonReward("python:<" + module + ">#" + spec.function(), () -> PythonProgram.of(List.of(m), module, spec.function()),
                () -> "inline", spec, PythonRuntime.shared());
    }

    /** A reward shipped with the service, e.g. {@code autodidact.rewards.code_exec}. */
    static PythonReward bundled(String module, PythonRewardSpec spec, PythonRuntime runtime, String name) {
        return new PythonReward(name, () -> PythonProgram.of(List.of(), module, spec.function()), () -> "bundled", spec, runtime);
    }

    private PythonBackend start(PythonProgram program) {
        if (!untrusted) return new ContextPool(runtime, program, spec.limits(), spec.workers());
        return new SandboxProcessPool(program, spec.limits(), spec.workers());
    }

    /** Sizes and modification times of the code's files: cheap to compute before every batch. */
    private static String fingerprint(Path code) {
        try (Stream<Path> files = Files.isDirectory(code) ? Files.walk(code) : Stream.of(code)) {
            StringBuilder sb = new StringBuilder();
            for (Path f : files.filter(Files::isRegularFile).sorted().toList())
                sb.append(f).append(':').append(Files.size(f)).append(':').append(Files.getLastModifiedTime(f).toMillis()).append('\n');
            return sb.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read reward code " + code + ": " + e.getMessage(), e);
        }
    }

    /** Reloads when the code changed; a reward that no longer loads fails its samples until it is fixed. */
    private synchronized PythonBackend current() {
        String now;
        try {
            now = fingerprint.get();
        } catch (UncheckedIOException e) {
            loadError = Optional.of(e.getMessage());
            return backend;
        }
        if (!now.equals(lastFingerprint)) {
            lastFingerprint = now;
            try {
                PythonProgram program = loader.get();
                if (!program.version().equals(version)) {
                    PythonBackend fresh = start(program);
                    retiredReplacements += backend.replacements();
                    backend.close();
                    backend = fresh;
                    version = program.version();
                    cache.ifPresent(ScoreCache::invalidateAll);
                }
                loadError = Optional.empty();
            } catch (RuntimeException e) {
                loadError = Optional.of("the reward code changed and no longer loads: " + e.getMessage());
            }
        }
        return backend;
    }

    @Override
    public List<Score> score(List<Sample> samples) {
        PythonBackend b = current();
        String v;
        Optional<String> broken;
        synchronized (this) {
            v = version;
            broken = loadError;
        }
        Score[] out = new Score[samples.size()];
        if (broken.isPresent()) {
            Arrays.fill(out, Score.failed(name + ": " + broken.get()));
            errors.addAndGet(out.length);
            return List.of(out);
        }
        List<Integer> misses = new ArrayList<>();
        ScoreCache.Key[] keys = new ScoreCache.Key[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            if (cache.isPresent()) {
                keys[i] = ScoreCache.key(v, samples.get(i));
                Optional<Score> hit = cache.get().get(keys[i]);
                if (hit.isPresent()) {
                    out[i] = hit.get();
                    continue;
                }
            }
            misses.add(i);
        }
        List<List<Integer>> chunks = new ArrayList<>();
        for (int i = 0; i < misses.size(); i += spec.batchSize())
            chunks.add(misses.subList(i, Math.min(misses.size(), i + spec.batchSize())));
        if (chunks.size() <= 1 || b.parallelism() == 1) {
            for (List<Integer> c : chunks) fill(b, samples, c, out, keys);
        } else {
            List<Future<?>> running = new ArrayList<>();
            for (List<Integer> c : chunks) running.add(workers.submit(() -> fill(b, samples, c, out, keys)));
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while scoring with " + name, e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException(name + " failed: " + e.getCause(), e.getCause());
                }
            }
        }
        return List.of(out);
    }

    private void fill(PythonBackend b, List<Sample> samples, List<Integer> indices, Score[] out, ScoreCache.Key[] keys) {
        List<Sample> chunk = new ArrayList<>(indices.size());
        for (int i : indices) chunk.add(samples.get(i));
        List<Score> scores = scoreChunk(b, chunk);
        for (int j = 0; j < indices.size(); j++) {
            Score s = scores.get(j);
            out[indices.get(j)] = s;
            scored.incrementAndGet();
            if (s.failed()) errors.incrementAndGet();
            if (keys[indices.get(j)] != null) cache.get().put(keys[indices.get(j)], s);
        }
    }

    private List<Score> scoreChunk(PythonBackend b, List<Sample> chunk) {
        try {
            return RewardRequests.decode(b.call(RewardRequests.encode(chunk)), chunk.size(), name);
        } catch (PythonCallException e) {
            failedCalls.incrementAndGet();
            if (chunk.size() == 1) return List.of(Score.failed(name + ": " + e.getMessage()));
            List<Score> one = new ArrayList<>(chunk.size());
            for (Sample s : chunk) one.addAll(scoreChunk(b, List.of(s)));
            return one;
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** The SHA-256 of the loaded sources: what the cache is keyed by. */
    public synchronized String version() {
        return version;
    }

    /** Counters since start, for metrics and the CLI summary. */
    public synchronized Stats stats() {
        return new Stats(scored.get(), errors.get(), failedCalls.get(), retiredReplacements + backend.replacements(),
                cache.map(ScoreCache::stats).orElse(CacheStats.empty()));
    }

    /**
     * {@code scored}: samples scored by Python (cache hits excluded); {@code errors}: of those, failed ones;
     * {@code failedCalls}: calls that timed out or crashed; {@code replacements}: contexts or sandbox
     * processes replaced after such a call; {@code cache}: Caffeine's hit/miss counters.
     */
    public record Stats(long scored, long errors, long failedCalls, long replacements, CacheStats cache) {}

    /** Makes every context of an in-process pool now (sandbox processes start on demand). */
    public void warm() {
        if (current() instanceof ContextPool pool) pool.warm();
    }

    /** Process ids of live sandbox children (empty in process); lets tests see a child really replaced. */
    synchronized List<Long> sandboxPids() {
        return backend instanceof SandboxProcessPool pool ? pool.pids() : List.of();
    }

    @Override
    public synchronized void close() {
        backend.close();
        workers.shutdownNow();
    }
}

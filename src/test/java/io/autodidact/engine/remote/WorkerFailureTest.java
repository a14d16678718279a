package io.autodidact.engine.remote;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.WorkerStatus;
import io.autodidact.engine.djl.DjlEngineFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers as separate processes started through the real CLI ({@code autodidact worker}), killed with SIGKILL or
 * stopped with SIGSTOP in the middle of a generate: the engine still returns every sample exactly once, and the
 * samples are those the in-process engine draws.
 */
class WorkerFailureTest {

    record WorkerProcess(Process process, String address) implements AutoCloseable {
        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    static WorkerProcess startWorker(int port, Path log) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--") || a.startsWith("-D")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.autodidact.cli.Main", "worker", "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--token", RemoteEngineTest.TOKEN, "--threads", "1", "--max-batch-rows", "64"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            int at = line.indexOf("autodidact worker on ");
            if (at >= 0) {
                String address = line.substring(at + "autodidact worker on ".length()).split(" ")[0];
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> {})); // keep draining so the worker never blocks on stdout
                return new WorkerProcess(p, address);
            }
        }
        throw new AssertionError("worker did not start:\n" + seen);
    }

    static long pid(WorkerProcess w) {
        return w.process().pid();
    }

    static RemoteEngineFactory factory(List<String> workers) {
        return new RemoteEngineFactory(RemoteSettings.of(workers).withChunkRows(4)
                .withDeadlines(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(60)), RemoteEngineTest.TOKEN);
    }

    static void signal(String name, WorkerProcess w) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(pid(w))).start().waitFor(), "kill -" + name);
    }

    static long sampleCount(RemoteEngineFactory f, String address) {
        return f.workers().stream().filter(s -> s.address().equals(address)).findFirst().orElseThrow().samples();
    }

    /**
     * Whole requests until {@code b} has served part of one (on a loaded machine its first health answers can be late,
     * and the pool then leaves it out for a while); each request's samples must be the in-process engine's.
     */
    static long warmUntilServing(PolicyEngine engine, RemoteEngineFactory f, WorkerProcess b, List<int[]> prompts, SamplingParams params,
            List<Generation> expected) {
        for (int attempt = 0; attempt < 5; attempt++) {
            RemoteEngineTest.assertEquivalentGenerations(expected, engine.generate(prompts, params));
            long served = sampleCount(f, b.address());
            if (served > 0) return served;
        }
        return fail("b served no samples in five whole requests: " + f.workers());
    }

    static void awaitSamples(RemoteEngineFactory f, String address, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (WorkerStatus s : f.workers()) if (s.address().equals(address) && s.samples() >= atLeast) return;
            Thread.sleep(5);
        }
        fail("worker " + address + " never delivered " + atLeast + " samples: " + f.workers());
    }

    static void assertEveryKeyOnce(List<Generation> gens, int prompts, int n) {
        Set<String> keys = new HashSet<>();
        for (Generation g : gens) assertTrue(keys.add(g.promptIndex() + "/" + g.sampleIndex()), "duplicate " + g.promptIndex() + "/" + g.sampleIndex());
        assertEquals(prompts * n, keys.size());
    }

    @Test
    void killingAWorkerMidGenerationLosesNothingAndARestartedWorkerRejoins(@TempDir Path tmp) throws Exception {
        SamplingParams params = SamplingParams.sample(4, 1.0, 24, 5);
        List<int[]> prompts = RemoteEngineTest.prompts(30);
        List<Generation> expected;
        try (PolicyEngine local = new DjlEngineFactory(RemoteEngineTest.OPTIONS.withMaxBatchRows(4)).create(RemoteEngineTest.SHAPE, RemoteEngineTest.TOKENIZER, 3)) {
            expected = local.generate(prompts, params);
        }
        try (WorkerProcess a = startWorker(0, tmp.resolve("a.log")); WorkerProcess b = startWorker(0, tmp.resolve("b.log"))) {
            RemoteEngineFactory remote = factory(List.of(a.address(), b.address()));
            try (PolicyEngine engine = remote.create(RemoteEngineTest.SHAPE, RemoteEngineTest.TOKENIZER, 3)) {
                // b first serves part of a whole request, so it is a working member of the pool.
                long served = warmUntilServing(engine, remote, b, prompts, params, expected);
                // Then it is frozen and the next request starts: the pool still sees b up (the heartbeat needs its
                // deadline to notice), so b is handed a chunk it cannot finish; killing it then is a kill in the middle
                // of a request on every machine, however loaded (waiting for b to deliver first was a race with a).
                signal("STOP", b);
                var running = CompletableFuture.supplyAsync(() -> engine.generate(prompts, params));
                awaitSamples(remote, a.address(), sampleCount(remote, a.address()) + 2);
                b.process().destroyForcibly(); // SIGKILL mid-generation
                assertEquals(137, b.process().waitFor());
                List<Generation> got = running.get(300, TimeUnit.SECONDS);
                assertEveryKeyOnce(got, prompts.size(), 4);
                RemoteEngineTest.assertEquivalentGenerations(expected, got);
                WorkerStatus dead = remote.workers().stream().filter(s -> s.address().equals(b.address())).findFirst().orElseThrow();
                assertEquals("dead", dead.state(), "its connection broke: " + dead);
                assertEquals(served, dead.samples(), "the killed worker delivered nothing after it was frozen: " + dead);
                assertTrue(dead.redispatchedSamples() > 0, "its unfinished samples went to the other worker: " + dead);

                // The same port again: a new instance that rejoins, reloads the model and takes work.
                int port = Integer.parseInt(b.address().substring(b.address().lastIndexOf(':') + 1));
                try (WorkerProcess again = startWorker(port, tmp.resolve("b2.log"))) {
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    while (remote.workers().stream().noneMatch(s -> s.address().equals(b.address()) && s.state().equals("up"))) {
                        assertTrue(System.nanoTime() < deadline, "restarted worker never rejoined: " + remote.workers());
                        Thread.sleep(20);
                    }
                    long before = dead.samples();
                    RemoteEngineTest.assertEquivalentGenerations(expected, engine.generate(prompts, params));
                    WorkerStatus back = remote.workers().stream().filter(s -> s.address().equals(b.address())).findFirst().orElseThrow();
                    assertTrue(back.samples() > before, "the rejoined worker took work: " + back);
                }
            }
        }
    }

    @Test
    void aStalledWorkerIsDetectedByHeartbeatAndItsSamplesGoElsewhere(@TempDir Path tmp) throws Exception {
        SamplingParams params = SamplingParams.sample(4, 1.0, 24, 9);
        List<int[]> prompts = RemoteEngineTest.prompts(24);
        List<Generation> expected;
        try (PolicyEngine local = new DjlEngineFactory(RemoteEngineTest.OPTIONS).create(RemoteEngineTest.SHAPE, RemoteEngineTest.TOKENIZER, 4)) {
            expected = local.generate(prompts, params);
        }
        try (WorkerProcess a = startWorker(0, tmp.resolve("a.log")); WorkerProcess b = startWorker(0, tmp.resolve("b.log"))) {
            RemoteEngineFactory remote = factory(List.of(a.address(), b.address()));
            List<String> changes = new java.util.concurrent.CopyOnWriteArrayList<>();
            remote.watchWorkers((change, w) -> {
                if (w.address().equals(b.address())) changes.add(change + "/" + w.state());
            });
            try (PolicyEngine engine = remote.create(RemoteEngineTest.SHAPE, RemoteEngineTest.TOKENIZER, 4)) {
                warmUntilServing(engine, remote, b, prompts, params, expected);
                // Frozen before the next request, so b is certainly handed a chunk (it still looks up) and holds it.
                signal("STOP", b); // alive, holding its connections, silent
                var running = CompletableFuture.supplyAsync(() -> engine.generate(prompts, params));
                try {
                    List<Generation> got = running.get(300, TimeUnit.SECONDS);
                    assertEveryKeyOnce(got, prompts.size(), 4);
                    RemoteEngineTest.assertEquivalentGenerations(expected, got);
                    WorkerStatus stalled = remote.workers().stream().filter(s -> s.address().equals(b.address())).findFirst().orElseThrow();
                    assertEquals("stalled", stalled.state(), "connected but no health answer within the deadline: " + stalled);
                    assertTrue(stalled.redispatchedSamples() > 0, "the chunk it held went to a: " + stalled);
                } finally {
                    signal("CONT", b);
                }
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (remote.workers().stream().noneMatch(s -> s.address().equals(b.address()) && s.state().equals("up"))) {
                    assertTrue(System.nanoTime() < deadline, "resumed worker never rejoined: " + remote.workers());
                    Thread.sleep(20);
                }
                // A loaded machine can delay b's first answers (stalled, then up) before the SIGSTOP: only the end is fixed.
                assertTrue(changes.contains("up/up"), "b came up: " + changes);
                assertEquals(List.of("stalled/stalled", "rejoined/up"), changes.subList(changes.size() - 2, changes.size()),
                        "b's state changes, as the listener heard them: " + changes);
            }
        }
    }
}

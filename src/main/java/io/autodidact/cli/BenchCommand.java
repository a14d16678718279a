package io.autodidact.cli;

import io.autodidact.bench.BenchTable;
import io.autodidact.bench.EngineBench;
import io.autodidact.bench.FlightBench;
import io.autodidact.bench.KernelBench;
import io.autodidact.bench.ModelBench;
import io.autodidact.bench.RewardBench;
import io.autodidact.bench.ServiceBench;
import io.autodidact.bench.TorchBaseline;
import io.autodidact.bench.WorkerBench;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code autodidact bench engine}: the DJL engine against PyTorch eager, same model and threads, in one run;
 * {@code autodidact bench flight}: the Flight data plane against JSON over HTTP, same rollouts, in one run;
 * {@code autodidact bench model}: a SmolLM2-135M-shaped Llama in DJL against the same model in PyTorch eager;
 * {@code autodidact bench rewards}: Python rewards on GraalPy against CPython, and sandboxed code execution
 * against a fresh CPython process per program; {@code autodidact bench kernels}: the GraalPy loss kernel against
 * the same loss in Java on DJL, as a share of a training step; {@code autodidact bench service}: concurrent clients polling
 * a run's status on the real service while the run executes (requests, errors, p50/p99 latency); {@code autodidact bench
 * workers}: the remote engine on loopback workers against the in-process engine (overhead, exchange GB/s, weight sync,
 * generation on 1 and 2 workers).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print a table and write target/bench/<name>.json. Not part of CI.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Benchmark to run: engine, flight, model, rewards, kernels, service, workers.")
    String name;

    @Option(names = "--threads", description = "Threads for both sides (default: ${DEFAULT-VALUE}).", defaultValue = "2")
    int threads;

    @Option(names = "--train-steps", description = "Timed training steps (default: ${DEFAULT-VALUE}).", defaultValue = "30")
    int trainSteps;

    @Option(names = "--memory-steps", description = "Training steps and generation batches of the memory check (default: ${DEFAULT-VALUE}; 0 skips).",
            defaultValue = "1000")
    int memorySteps;

    @Option(names = "--no-install", description = "Do not run scripts/bench-setup.sh when PyTorch is missing; fail instead.")
    boolean noInstall;

    @Option(names = "--size-gb", description = "flight: size of the synthetic rollout set, GB (default: ${DEFAULT-VALUE}).",
            defaultValue = "1.0")
    double sizeGb;

    @Option(names = "--out", description = "Directory for the JSON (default: ${DEFAULT-VALUE}).", defaultValue = "target/bench")
    Path out;

    @Option(names = "--samples", description = "rewards: samples scored on each side (default: ${DEFAULT-VALUE}).", defaultValue = "100000")
    int samples;

    @Option(names = "--programs", description = "rewards: programs run on each side (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
    int programs;

    @Option(names = "--python", description = "rewards: the CPython baseline (default: ${DEFAULT-VALUE}).", defaultValue = "/usr/bin/python3")
    String python;

    @Option(names = "--clients", description = "service: concurrent clients (default: ${DEFAULT-VALUE}).", defaultValue = "200")
    int clients;

    @Option(names = "--duration", description = "service: seconds the clients poll (default: ${DEFAULT-VALUE}).", defaultValue = "60")
    double durationSeconds;

    @Option(names = "--quick", description = "workers: a small configuration that finishes in well under a minute.")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        if (name.equals("workers")) return workers();
        if (name.equals("service")) return service();
        if (name.equals("flight")) return flight();
        if (name.equals("rewards")) return rewards();
        if (name.equals("model")) return model();
        if (name.equals("kernels")) return kernels();
        if (!name.equals("engine")) {
            System.err.println("autodidact bench: unknown benchmark '" + name + "'; available: engine, flight, model, rewards, kernels, service, workers");
            return 2;
        }
        var d = EngineBench.Options.defaults(threads);
        var o = new EngineBench.Options(d.vocab(), d.hidden(), d.layers(), d.heads(), d.kvHeads(), d.context(), d.trainBatch(),
                trainSteps, d.warmupSteps(), d.genBatch(), d.promptLen(), d.genTokens(), d.genRepeats(), threads, d.seed(), memorySteps);
        Map<String, Object> djl = EngineBench.run(o, System.err::println);

        TorchBaseline torch = new TorchBaseline();
        torch.ensureTorch(!noInstall, System.err::println);
        Map<String, Object> options = o.torchOptions();
        options.put("gen-mode", "both");
        Map<String, Object> pt = torch.run(options, Duration.ofMinutes(20), line -> System.err.println("torch: " + line));

        Double djlTrain = BenchTable.number(djl, "djl_train_tokens_per_s"), ptTrain = BenchTable.number(pt, "torch_train_tokens_per_s");
        Double djlGen = BenchTable.number(djl, "djl_generate_tokens_per_s"), ptGen = BenchTable.number(pt, "torch_generate_tokens_per_s");
        BenchTable table = new BenchTable("engine", "bench engine: DJL (in-process) vs PyTorch eager, " + djl.get("params")
                + " parameters, " + threads + " threads")
                .higher("train", "tokens/s", djlTrain, ptTrain)
                .lower("train step", "ms", BenchTable.number(djl, "djl_train_step_ms"), BenchTable.number(pt, "torch_train_step_ms"))
                .higher("generate (torch: KV cache)", "tokens/s", djlGen, ptGen)
                .higher("generate (torch: naive loop)", "tokens/s", djlGen, BenchTable.number(pt, "torch_generate_naive_tokens_per_s"))
                .metric("djl_train_tokens_per_s", djlTrain)
                .metric("torch_train_tokens_per_s", ptTrain)
                .metric("train_ratio", djlTrain / ptTrain)
                .metric("djl_generate_tokens_per_s", djlGen)
                .metric("torch_generate_tokens_per_s", ptGen)
                .metric("generate_ratio", djlGen / ptGen)
                .metric("torch_generate_naive_tokens_per_s", pt.get("torch_generate_naive_tokens_per_s"))
                .metric("generate_ratio_vs_naive", djlGen / BenchTable.number(pt, "torch_generate_naive_tokens_per_s"))
                .metric("threads", threads)
                .note("torch BLAS", pt.get("blas"))
                .note("djl", djl)
                .note("torch", pt);
        table.print(System.out);
        if (djl.containsKey("rss_growth_mib_train"))
            System.out.printf("native memory over %d training steps: %+.1f MiB; over %d generation batches: %+.1f MiB (RSS minus Java heap)%n",
                    memorySteps, (double) djl.get("rss_growth_mib_train"), memorySteps, (double) djl.get("rss_growth_mib_generate"));
        System.out.println("foreign CPU share (should be ~0): djl train " + djl.get("djl_train_foreign_cpu_share") + ", torch train "
                + pt.get("torch_train_foreign_cpu_share"));
        System.out.println("wrote " + table.writeJson(out));
        return 0;
    }

    private int model() throws Exception {
        var o = ModelBench.Options.smolLm2(threads, trainSteps == 30 ? 4 : trainSteps); // 30 is `bench engine`'s default
        Map<String, Object> djl = ModelBench.run(o, System.err::println);
        TorchBaseline torch = new TorchBaseline();
        torch.ensureTorch(!noInstall, System.err::println);
        Map<String, Object> pt8 = torch.run(o.torchOptions(8, true), Duration.ofMinutes(30), line -> System.err.println("torch: " + line));
        Map<String, Object> pt1 = torch.run(o.torchOptions(1, false), Duration.ofMinutes(30), line -> System.err.println("torch: " + line));

        Double djl1 = BenchTable.number(djl, "djl_generate_b1_tokens_per_s"), pt1Gen = BenchTable.number(pt1, "torch_generate_tokens_per_s");
        Double djl8 = BenchTable.number(djl, "djl_generate_b8_tokens_per_s"), pt8Gen = BenchTable.number(pt8, "torch_generate_tokens_per_s");
        Double djlTrain = BenchTable.number(djl, "djl_train_tokens_per_s"), ptTrain = BenchTable.number(pt8, "torch_train_tokens_per_s");
        double ptPeak = Math.max(BenchTable.number(pt8, "torch_peak_rss_mib"), BenchTable.number(pt1, "torch_peak_rss_mib"));
        BenchTable table = new BenchTable("model", "bench model: SmolLM2-135M-shaped Llama (" + djl.get("params")
                + " parameters, random weights), DJL vs PyTorch eager, " + threads + " threads")
                .higher("generate, batch 1 (KV cache)", "tokens/s", djl1, pt1Gen)
                .higher("generate, batch 8 (KV cache)", "tokens/s", djl8, pt8Gen)
                .higher("train, " + o.trainBatch() + "x" + o.context(), "tokens/s", djlTrain, ptTrain)
                .lower("peak resident memory", "MiB", BenchTable.number(djl, "djl_peak_rss_mib"), ptPeak)
                .metric("djl_generate_tokens_per_s", djl8)
                .metric("torch_generate_tokens_per_s", pt8Gen)
                .metric("generate_ratio", djl8 / pt8Gen)
                .metric("djl_generate_b1_tokens_per_s", djl1)
                .metric("torch_generate_b1_tokens_per_s", pt1Gen)
                .metric("generate_b1_ratio", djl1 / pt1Gen)
                .metric("djl_train_tokens_per_s", djlTrain)
                .metric("torch_train_tokens_per_s", ptTrain)
                .metric("train_ratio", djlTrain / ptTrain)
                .metric("djl_peak_rss_mib", djl.get("djl_peak_rss_mib"))
                .metric("torch_peak_rss_mib", ptPeak)
                .metric("threads", threads)
                .note("torch BLAS", pt8.get("blas"))
                .note("djl", djl)
                .note("torch_batch8_and_train", pt8)
                .note("torch_batch1", pt1);
        table.print(System.out);
        System.out.println("foreign CPU share (should be ~0): djl train " + djl.get("djl_train_foreign_cpu_share") + ", generate b1 "
                + djl.get("djl_generate_b1_foreign_cpu_share") + ", b8 " + djl.get("djl_generate_b8_foreign_cpu_share") + "; torch train "
                + pt8.get("torch_train_foreign_cpu_share") + ", generate b8 " + pt8.get("torch_generate_foreign_cpu_share") + ", b1 "
                + pt1.get("torch_generate_foreign_cpu_share"));
        System.out.println("wrote " + table.writeJson(out));
        return 0;
    }

    private int flight() throws Exception {
        int streams = 4;
        Map<String, Object> r = FlightBench.run(new FlightBench.Options((long) (sizeGb * 1e9), streams, out.resolve("flight-data")),
                System.err::println);
        BenchTable table = new BenchTable("flight", "bench flight: Arrow Flight data plane vs JSON over HTTP, loopback, "
                + String.format("%.2f GB of rollouts (%s rows)", ((Number) r.get("arrow_bytes")).doubleValue() / 1e9, r.get("rows")));
        for (String key : List.of("doget_gb_per_s", "doget_4streams_gb_per_s", "doget_flightclient_gb_per_s", "doput_gb_per_s",
                "doput_4streams_gb_per_s", "json_gb_per_s", "json_unparsed_gb_per_s", "flight_vs_json_ratio", "doget_cpu_s_per_gb",
                "doget_flightclient_cpu_s_per_gb", "doput_cpu_s_per_gb", "json_cpu_s_per_gb"))
            table.metric(key, r.get(key));
        table.note("rows", r.get("rows")).note("parts", r.get("parts")).note("file_bytes", r.get("file_bytes"))
                .note("arrow_bytes", r.get("arrow_bytes")).note("json_wire_bytes", r.get("json_wire_bytes"))
                .note("streams", streams).note("cores", Runtime.getRuntime().availableProcessors());
        System.out.println("bench flight (GB/s of Arrow rollout data, loopback; JSON rates are the same rollouts per second)");
        System.out.printf("  %-34s %8.3f%n", "DoGet, 1 stream", r.get("doget_gb_per_s"));
        System.out.printf("  %-34s %8.3f%n", "DoGet, " + streams + " streams", r.get("doget_4streams_gb_per_s"));
        System.out.printf("  %-34s %8.3f%n", "DoGet, 1 stream, Arrow FlightClient", r.get("doget_flightclient_gb_per_s"));
        System.out.printf("  %-34s %8.3f%n", "DoPut, 1 stream", r.get("doput_gb_per_s"));
        System.out.printf("  %-34s %8.3f%n", "DoPut, " + streams + " streams", r.get("doput_4streams_gb_per_s"));
        System.out.printf("  %-34s %8.3f%n", "JSON over HTTP (Jackson, parsed)", r.get("json_gb_per_s"));
        System.out.printf("  %-34s %8.3f%n", "JSON over HTTP (bytes only)", r.get("json_unparsed_gb_per_s"));
        System.out.printf("  %-34s %8.1fx%n", "DoGet vs JSON", r.get("flight_vs_json_ratio"));
        System.out.println("wrote " + table.writeJson(out));
        return 0;
    }

    private int kernels() throws Exception {
        BenchTable table = KernelBench.run(KernelBench.Options.demo(threads), System.err::println);
        table.print(System.out);
        System.out.printf("overhead of the Python kernel: %.2f%% of a training step (goal < 5%%)%n",
                100 * ((Number) table.toJson().get("overhead_fraction")).doubleValue());
        System.out.println("wrote " + table.writeJson(out));
        return 0;
    }

    private int rewards() throws Exception {
        if (samples < 1 || programs < 1) {
            System.err.println("autodidact bench rewards: --samples and --programs must be >= 1");
            return 2;
        }
        BenchTable table = RewardBench.run(new RewardBench.Options(samples, programs, python, out.resolve("rewards-work")), System.err::println);
        table.print(System.out);
        System.out.println("wrote " + table.writeJson(out));
        return 0;
    }

    private int workers() throws Exception {
        BenchTable table = WorkerBench.run(quick ? WorkerBench.Options.quick(threads) : WorkerBench.Options.standard(threads), System.err::println);
        table.print(System.out);
        var m = table.toJson();
        System.out.printf("remote overhead per iteration: %.1f%% (goal < 10%%); exchange %.2f GB/s, %.0f heap bytes allocated per rollout;"
                        + " training %.0f heap bytes per extra row; weight sync %.3f s per 100 MB;"
                        + " generation %.0f tokens/s on 1 worker, %.0f on 2%n",
                100 * ((Number) m.get("remote_overhead_fraction")).doubleValue(), m.get("exchange_gb_per_s"), m.get("exchange_allocated_bytes_per_rollout"),
                m.get("train_allocated_bytes_per_row"),
                m.get("weight_sync_s_per_100mb"), m.get("workers_1_tokens_per_s"), m.get("workers_2_tokens_per_s"));
        System.out.println("wrote " + table.writeJson(out));
        return 0;
    }

    private int service() throws Exception {
        ServiceBench.Options o;
        try {
            o = new ServiceBench.Options(clients, Duration.ofMillis(Math.round(durationSeconds * 1000)), out.resolve("service-work"));
        } catch (IllegalArgumentException e) {
            System.err.println("autodidact bench service: " + e.getMessage());
            return 2;
        }
        BenchTable table = ServiceBench.run(o, System.err::println);
        table.print(System.out);
        System.out.println("wrote " + table.writeJson(out));
        return ((Number) table.toJson().get("errors")).longValue() == 0 ? 0 : 1;
    }
}

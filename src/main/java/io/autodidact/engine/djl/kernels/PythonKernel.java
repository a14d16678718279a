package io.autodidact.engine.djl.kernels;

import ai.djl.ndarray.NDArray;
import io.autodidact.engine.Objective;
import io.autodidact.python.KernelContext;
import io.autodidact.python.ModuleSource;
import io.autodidact.python.Modules;
import io.autodidact.python.PythonRuntime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Value;

/**
 * Losses computed by Python kernels on GraalPy: the bundled {@code autodidact.kernels.losses} ({@code sft},
 * {@code policy_gradient}, {@code dpo}) or a user's {@code module.function}. One {@link KernelContext} per kernel source,
 * made on first use from the process's shared GraalPy engine. Not thread-safe (neither is the engine).
 */
public final class PythonKernel implements LossKernel, AutoCloseable {
    private static final String BUNDLED = "autodidact.kernels.losses";

    private final PythonRuntime runtime;
    private final ArrayBridge bridge = new ArrayBridge();
    private final Map<Objective.Kernel, KernelContext> contexts = new HashMap<>();
    private final Map<String, Value> functions = new HashMap<>();
    /** Everything a call needs that depends only on the objective, found once: a run sends the same few every step. */
    private final Map<Objective, Call> calls = new HashMap<>();

    private record Call(KernelContext context, Value function, String options) {}

    public PythonKernel(PythonRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public synchronized KernelResult loss(KernelBatch b, Objective o) {
        Call c = call(o);
        Value out = c.context().call(c.function(), b.logits(), b.targets(), b.mask(), b.advantages(), b.oldLogp(), b.refLogp(),
                b.totalTokens(), b.totalSequences(), c.options(), b.offPolicy(), b.klWeights());
        NDArray loss = out.getArrayElement(0).asHostObject();
        if (loss.getShape().size() != 1)
            throw new IllegalStateException("kernel " + o.kernel() + " returned a loss of shape " + loss.getShape() + "; return a scalar (e.g. xp.sum(...))");
        return new KernelResult(loss, monitors(out.getArrayElement(1)));
    }

    /** Makes the objective's context and resolves its function, so that the first step does not. */
    public synchronized void prepare(Objective o) {
        call(o);
    }

    private Call call(Objective o) {
        Call c = calls.get(o);
        if (c == null) {
            c = new Call(context(o.kernel()), function(o), toJson(o.kernelOptions()));
            calls.put(o, c);
        }
        return c;
    }

    /**
     * Calls {@code module.function} of the bundled kernels directly on host arrays (nulls and numbers pass as
     * they are), with {@code options} as keyword arguments: the array it returns. For tests and benchmarks.
     */
    public synchronized NDArray apply(String module, String function, Map<String, Object> options, Object... args) {
        KernelContext ctx = context(Objective.Kernel.python());
        String key = "apply|" + module + "." + function;
        Value fn = functions.computeIfAbsent(key, k -> ctx.function(module, function));
        return ctx.apply(fn, toJson(options), args).asHostObject();
    }

    private Value function(Objective o) {
        Objective.Kernel k = o.kernel();
        String module = k.code().isPresent() ? k.module() : BUNDLED;
        String name = k.code().isPresent() ? k.function() : switch (o.loss()) {
            case SFT -> "sft";
            case POLICY_GRADIENT -> "policy_gradient";
            case DPO -> "dpo";
        };
        String key = k + "|" + module + "." + name;
        Value fn = functions.get(key);
        if (fn == null) {
            if (module.isEmpty())
                throw new IllegalArgumentException("kernel " + k.code().get() + " is a directory: name the module (kernel_module)");
            fn = context(k).function(module, name);
            functions.put(key, fn);
        }
        return fn;
    }

    private KernelContext context(Objective.Kernel k) {
        return contexts.computeIfAbsent(k, kernel -> {
            List<ModuleSource> user = kernel.code().map(Modules::read).orElse(List.of());
            return new KernelContext(runtime, bridge, user);
        });
    }

    private static String toJson(Map<String, Object> options) {
        StringBuilder sb = new StringBuilder("{");
        options.forEach((k, v) -> {
            if (sb.length() > 1) sb.append(',');
            sb.append('"').append(k).append("\":");
            sb.append(v instanceof String s ? "\"" + s + "\"" : String.valueOf(v));
        });
        return sb.append('}').toString();
    }

    /** The monitors of a kernel call, which {@code engine.call} sends as a flat list: name, value, name, value, ... */
    private static Map<String, Double> monitors(Value flat) {
        Map<String, Double> out = new HashMap<>();
        for (long i = 0; i + 1 < flat.getArraySize(); i += 2) out.put(flat.getArrayElement(i).asString(), flat.getArrayElement(i + 1).asDouble());
        return out;
    }

    @Override
    public synchronized void close() {
        contexts.values().forEach(KernelContext::close);
        contexts.clear();
        functions.clear();
        calls.clear();
    }
}

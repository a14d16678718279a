package io.autodidact.python;

import java.io.FilterOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * A GraalPy context for training kernels: trusted product code (ours, or a file the operator named), so no time
 * limit, but still no files, network, processes, threads, native access or host class lookup. The one host
 * object it can reach is the array bridge it was given, and of that only the {@link HostAccess.Export}ed
 * methods; arrays travel through Python as opaque handles. Not thread-safe: one caller at a time.
 *
 * <p>Modules: {@code autodidact.kernels} (bundled) plus the caller's; {@code autodidact.kernels.engine} binds
 * the bridge and calls kernels.
 */
public final class KernelContext implements AutoCloseable {
    private final Context context;
    private final Value call;
    private final Value imports;
    private final Value apply;

    public KernelContext(PythonRuntime runtime, Object bridge, List<ModuleSource> extraModules) {
        Objects.requireNonNull(bridge, "bridge");
        this.context = GuestContext.open(runtime, new FilterOutputStream(System.out), new FilterOutputStream(System.err), true);
        try {
            GuestContext.loadHost(context);
            Value install = context.getBindings("python").getMember("install");
            List<ModuleSource> modules = new ArrayList<>(BundledModules.kernels());
            modules.addAll(extraModules);
            for (ModuleSource m : modules) install.execute(m.name(), m.fileName(), m.source(), m.isPackage());
            Value engine = context.eval(Source.create("python", "import autodidact.kernels.engine as _e\n_e"));
            engine.getMember("bind").execute(bridge);
            this.call = engine.getMember("call");
            this.imports = engine.getMember("resolve");
            this.apply = engine.getMember("apply");
        } catch (PolyglotException e) {
            context.close(true);
            throw new PythonLoadException("loading the kernel modules failed: " + e.getMessage());
        } catch (RuntimeException e) {
            context.close(true);
            throw e;
        }
    }

    /** The function {@code module.function}; fails with the file and line of a syntax error, or what is missing. */
    public Value function(String module, String function) {
        try {
            Value f = imports.execute(module, function);
            if (f.isString()) throw new PythonLoadException(f.asString());
            return f;
        } catch (PolyglotException e) {
            throw new PythonLoadException("importing kernel " + module + "." + function + " failed: " + e.getMessage());
        }
    }

    /**
     * Calls {@code autodidact.kernels.engine.call(kernel, *args)}: the kernel's result as a two-element array
     * (the loss handle and the monitors as a flat list: name, value, name, value, ...).
     */
    public Value call(Object... args) {
        try {
            return call.execute(args);
        } catch (PolyglotException e) {
            throw new IllegalStateException("kernel failed: " + e.getMessage()
                    + (e.getSourceLocation() == null ? "" : " (" + e.getSourceLocation().getSource().getName() + " line "
                    + e.getSourceLocation().getStartLine() + ")"));
        }
    }

    /**
     * Calls a kernel function directly: host arrays in {@code args} arrive as {@code xp.Array}s, {@code options}
     * (a JSON object) as keyword arguments; returns the host array (or number) it produced.
     */
    public Value apply(Value function, String options, Object... args) {
        Object[] all = new Object[args.length + 2];
        all[0] = function;
        all[1] = options;
        System.arraycopy(args, 0, all, 2, args.length);
        try {
            return apply.execute(all);
        } catch (PolyglotException e) {
            throw new IllegalStateException("kernel failed: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        context.close(true);
    }
}

package io.autodidact.python;

import java.io.InputStream;
import java.io.OutputStream;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.io.IOAccess;

/**
 * What every GraalPy context of the service shares, reward or kernel: the runtime's engine, the CONSTRAINED
 * policy, no IO, processes, threads, native or polyglot access, environment or host classes, and
 * {@code autodidact/host.py} loaded (after {@code autodidact/fast_regex.py}, which replaces GraalPy's slow
 * {@code re.sub}/{@code findall}/{@code finditer} before any user code imports {@code re}).
 */
final class GuestContext {
    static final String FAST_REGEX = "autodidact/fast_regex.py";

    private GuestContext() {}

    /** A context with the shared restrictions, printing to {@code out} and {@code err}, with the host loaded. */
    static Context open(PythonRuntime runtime, OutputStream out, OutputStream err, boolean valueSharing) {
        return Context.newBuilder("python")
                .engine(runtime.engine())
                .sandbox(SandboxPolicy.CONSTRAINED)
                .out(out).err(err).in(InputStream.nullInputStream())
                .allowHostAccess(HostAccess.CONSTRAINED)
                .allowHostClassLookup(name -> false)
                .allowHostClassLoading(false)
                .allowIO(IOAccess.NONE)
                .allowCreateProcess(false)
                .allowCreateThread(false)
                .allowNativeAccess(false)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .allowInnerContextOptions(false)
                .allowValueSharing(valueSharing)
                .build();
    }

    /**
     * Evaluates the bundled fast-regex patch and the host in {@code context}. Both are cached sources, so
     * contexts of one engine parse them once.
     */
    static void loadHost(Context context) {
        for (String file : new String[] {FAST_REGEX, BundledModules.HOST})
            context.eval(Source.newBuilder("python", BundledModules.source(file), "<autodidact>/" + file).cached(true).buildLiteral());
    }
}

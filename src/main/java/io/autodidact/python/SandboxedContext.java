package io.autodidact.python;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;

/**
 * One GraalPy context with a program loaded, under the strictest configuration SANDBOX.md measured to
 * hold: CONSTRAINED policy, no IO, processes, threads, native or polyglot access, environment or host
 * classes, bounded output. A call that outlives its time limit is cancelled with {@code close(true)} from the
 * watchdog thread; the context is then dead and its pool replaces it.
 */
final class SandboxedContext implements Pool.Member {
    private static final LongAdder REPLACED_AFTER_PROGRAM = new LongAdder();
    private final Context context;
    private final Value handle;
    private final BoundedOutputStream out;
    private final BoundedOutputStream err;
    private final SandboxLimits limits;
    private final boolean batched;
    /** Present when the program runs model-written code (code execution): see {@link StateGuard}. */
    private final StateGuard guard;
    private volatile boolean dead;

    SandboxedContext(PythonRuntime runtime, PythonProgram program, SandboxLimits limits, ScheduledExecutorService watchdog) {
        this.limits = limits;
        this.out = new BoundedOutputStream(limits.maxOutputBytes());
        this.err = new BoundedOutputStream(limits.maxOutputBytes());
        // No sandbox.MaxCPUTime: GraalPy 25.0.3 community does not know the option (measured); the wall-time
        // watchdog below is the limit, and it also stops code that sleeps or blocks.
        this.context = GuestContext.open(runtime, out, err, false);
        try {
            // Our own code, before the timer: on a loaded machine GraalPy's first stdlib imports alone took over
            // a minute in a fresh child JVM, which the load limit then blamed on the user's module.
            GuestContext.loadHost(context);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        // Module-level code runs at load: a `while True` there must not hang the pool either. Generous, since
        // the first imports in a cold JVM run interpreted (measured 5-10 s on two busy cores).
        long loadLimit = Math.max(60_000, 2 * limits.timeout().toMillis());
        AtomicBoolean fired = new AtomicBoolean();
        ScheduledFuture<?> timer = watchdog.schedule(() -> {
            fired.set(true);
            close();
        }, loadLimit, TimeUnit.MILLISECONDS);
        try {
            Value bindings = context.getBindings("python");
            Value install = bindings.getMember("install");
            for (ModuleSource m : program.modules()) install.execute(m.name(), m.fileName(), m.source(), m.isPackage());
            String error = bindings.getMember("prepare").execute(program.module(), program.function()).asString();
            if (!error.isEmpty()) throw new PythonLoadException(error);
            this.handle = bindings.getMember("handle");
            this.batched = !bindings.getMember("_reward_batch").isNull();
            this.guard = program.module().equals(CodeExecutionReward.MODULE) ? new StateGuard(context) : null;
            if (!timer.cancel(false)) throw new PolyglotTimeout();
        } catch (RuntimeException e) {
            timer.cancel(false);
            close();
            if (fired.get() || e instanceof PolyglotTimeout)
                throw new PythonLoadException("loading " + program.module() + " ran past " + loadLimit + " ms and was stopped; "
                        + "move slow work out of module level");
            throw e;
        }
    }

    /**
     * Runs one request under the wall-time limit. Throws {@link PythonCallException} when the call was
     * cancelled or the context died; the context is then {@link #dead()}.
     */
    String call(String request, ScheduledExecutorService watchdog) {
        if (dead) throw new IllegalStateException("context is dead; the pool should have replaced it");
        out.reset();
        err.reset();
        AtomicBoolean fired = new AtomicBoolean();
        ScheduledFuture<?> timer = watchdog.schedule(() -> {
            fired.set(true);
            dead = true;
            try {
                context.close(true);
            } catch (RuntimeException ignored) {
                // Closing a cancelled context may report the cancellation itself; the context is gone either way.
            }
        }, limits.timeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            String response = handle.execute(request).asString();
            String changed = "";
            if (guard != null) {
                try {
                    changed = guard.afterProgram(ProgramReach.of(programTexts(request)));
                } catch (PolyglotException e) {
                    if (fired.get() || e.isCancelled()) throw e;
                    changed = "the state guard failed: " + e.getMessage(); // the program broke what the guard relies on
                }
            }
            if (!timer.cancel(false)) throw timeout(); // the watchdog fired as the call returned
            if (!changed.isEmpty()) {
                // This program's result stands (it could only fake its own); no later program may run here.
                REPLACED_AFTER_PROGRAM.increment();
                close();
            }
            return response;
        } catch (PolyglotException e) {
            timer.cancel(false);
            dead = true;
            context.close(true);
            if (fired.get() || e.isCancelled()) throw timeout();
            if (e.isExit()) throw new PythonCallException(PythonCallException.Kind.CRASH, "the code exited the interpreter (exit status " + e.getExitStatus() + ")");
            // os._exit unwinds the guest with a ThreadDeath; now and then (once in two CI runs) it reaches us as that
            // bare error instead of as an exit.
            if (String.valueOf(e.getMessage()).contains("ThreadDeath"))
                throw new PythonCallException(PythonCallException.Kind.CRASH, "the code exited the interpreter (its thread was unwound: " + e.getMessage() + ")");
            // host.py catches every Python exception, so what reaches here is not one: the polyglot layer's
            // refusals (a denied process or thread, an excluded POSIX call such as getaddrinfo), which the
            // guest cannot catch either.
            throw new PythonCallException(PythonCallException.Kind.CRASH, "blocked by the sandbox: " + e.getMessage());
        }
    }

    /**
     * The texts of a request that will run as code: each sample's completion, answer and metadata strings (the
     * tests). Not the prompt: it never runs, and the words in a task's statement would only raise false alarms.
     */
    static List<String> programTexts(String request) {
        List<String> texts = new ArrayList<>();
        JsonNode samples = SandboxProtocol.read(request).get("samples");
        if (samples != null)
            for (JsonNode sample : samples)
                for (String field : new String[] {"completion", "answer", "metadata"}) strings(sample.get(field), texts);
        return texts;
    }

    private static void strings(JsonNode node, List<String> into) {
        if (node == null) return;
        if (node.isTextual()) into.add(node.asText());
        else for (JsonNode child : node) strings(child, into);
    }

    /** Contexts closed by the state guard after a program, in this JVM (counted where the programs ran: a child's own). */
    static long replacedAfterProgram() {
        return REPLACED_AFTER_PROGRAM.sum();
    }

    /** Whether the program defines {@code <function>_batch}, which must see a whole batch in one call. */
    boolean batched() {
        return batched;
    }

    private PythonCallException timeout() {
        dead = true;
        return new PythonCallException(PythonCallException.Kind.TIMEOUT, "ran past the time limit of " + limits.timeout().toMillis() + " ms and was stopped");
    }

    /** Marks a load whose watchdog fired just as it finished. */
    private static final class PolyglotTimeout extends RuntimeException {}

    @Override
    public boolean dead() {
        return dead;
    }

    @Override
    public void close() {
        dead = true;
        try {
            context.close(true);
        } catch (RuntimeException ignored) {
            // Already closed or cancelled.
        }
    }
}

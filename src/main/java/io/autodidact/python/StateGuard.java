package io.autodidact.python;

import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * Keeps one model-written program from changing another's result when both run in the same interpreter
 * ({@code autodidact/state_guard.py} says what it puts back and what it checks). The guard is a closure that only
 * this object holds: the guest has no reference to it or to its snapshot, so a program cannot edit what later
 * programs are checked against, as it could when the grader kept its snapshot in its own module.
 */
final class StateGuard {
    static final String FILE = "autodidact/state_guard.py";
    /**
     * Imported before the snapshot, so that programs find them loaded and checked rather than importing them anew
     * (a module a program imports is dropped after it). Few: each costs every fresh context its import.
     */
    static final List<String> PRELOAD = List.of("math", "collections", "collections.abc", "itertools", "functools", "heapq",
            "bisect", "string", "fractions", "decimal", "operator", "copy", "random", "typing");
    private static final String FACTORY = "_autodidact_state_guard";

    private final Value guard; // guard(names separated by spaces, check_all) -> what changed

    /** Snapshots {@code context}'s state now: call it after everything trusted is loaded, before any program runs. */
    StateGuard(Context context) {
        Value factory = context.eval(Source.newBuilder("python", BundledModules.source(FILE), "<autodidact>/" + FILE).cached(true).buildLiteral());
        context.eval("python", "del " + FACTORY);
        this.guard = factory.execute(String.join(" ", PRELOAD));
    }

    /**
     * Puts back what a program may change in passing and checks what it could reach. Returns what it found
     * changed (empty when nothing): the context must then not run another program.
     */
    String afterProgram(ProgramReach reach) {
        if (reach.escapes()) return "the program names " + String.join(", ", escapesOf(reach));
        return guard.execute(String.join(" ", reach.names()), reach.checkAll()).asString();
    }

    private static List<String> escapesOf(ProgramReach reach) {
        return reach.names().stream().filter(ProgramReach.ESCAPES::contains).sorted().toList();
    }
}

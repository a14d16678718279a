package io.autodidact.python;

import java.text.Normalizer;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a model-written program can reach of the state it shares with later programs in the same interpreter, read
 * from its text (and its tests'). To change a module or a class that a later program uses, a program has to get
 * hold of it: by naming it (an import, an attribute chain: the module's name is in the text), or through a way
 * around naming: reflection by string ({@code getattr}, {@code vars}, {@code __dict__}, {@code operator.attrgetter}),
 * frames and function internals ({@code f_globals}, {@code __globals__}, {@code __code__}), the class graph
 * ({@code __subclasses__}, {@code __mro__}), code made from strings ({@code exec}, {@code eval}, {@code compile},
 * pickle), lookups by dotted name ({@code sys.modules}, {@code importlib}, {@code pydoc.locate}, logging's
 * {@code dictConfig}, {@code mock.patch}), or registries ({@code register}, {@code copyreg}, audit hooks).
 *
 * <p>A program that names any of these {@link #escapes()}: its context is replaced after it. Otherwise the
 * {@link StateGuard} checks the modules it {@link #names()} (and their classes) by identity, all of them when it
 * names {@code type} or {@code __class__} ({@link #checkAll()}: a class reached through an instance). Strings are
 * scanned too, so a name spelled in a literal counts; Python reads identifiers NFKC-normalised, and so does this.
 * Being conservative costs only speed: a false alarm replaces a context that was fine.
 */
record ProgramReach(Set<String> names, boolean escapes, boolean checkAll) {
    static final Set<String> ESCAPES = Set.of(
            // reflection by string, and attribute access that skips the class's own rules
            "getattr", "setattr", "delattr", "vars", "globals", "locals", "__dict__", "__getattribute__", "__setattr__",
            "__delattr__", "attrgetter", "methodcaller", "__slots__",
            // functions, code and frames
            "__globals__", "__code__", "__closure__", "__defaults__", "__kwdefaults__", "__builtins__", "__self__",
            "__func__", "__wrapped__", "FunctionType", "CodeType", "LambdaType", "MethodType", "f_globals", "f_locals",
            "f_builtins", "f_back", "f_code", "f_trace", "tb_frame", "gi_frame", "cr_frame", "ag_frame", "gi_code",
            "cr_code", "_getframe", "_current_frames", "currentframe", "get_objects", "get_referrers", "get_referents",
            // the class graph
            "__subclasses__", "__mro__", "mro", "__base__", "__bases__", "__reduce__", "__reduce_ex__",
            // code from strings
            "exec", "eval", "compile", "breakpoint", "__import__", "pickle", "_pickle", "Unpickler", "marshal", "timeit",
            "doctest", "runsource", "runcode", "interact", "InteractiveInterpreter", "InteractiveConsole",
            "compile_command", "run_module", "run_path", "get_type_hints", "ForwardRef", "_eval_type",
            // lookups by dotted name, the module table, interpreter hooks
            "modules", "builtins", "importlib", "__loader__", "__spec__", "locate", "resolve_name", "dictConfig",
            "fileConfig", "mock", "register", "copyreg", "addaudithook", "atexit", "signal", "ctypes", "inspect", "gc");
    static final Set<String> CHECK_ALL = Set.of("type", "__class__");

    /** The reach of one program, from the texts that will run: its completion and its tests. */
    static ProgramReach of(Iterable<String> texts) {
        Set<String> names = new LinkedHashSet<>();
        for (String text : texts) identifiers(Normalizer.normalize(text, Normalizer.Form.NFKC), names);
        boolean escapes = false, checkAll = false;
        for (String name : names) {
            escapes |= ESCAPES.contains(name);
            checkAll |= CHECK_ALL.contains(name);
        }
        return new ProgramReach(names, escapes, checkAll);
    }

    ProgramReach {
        names = Set.copyOf(names);
    }

    private static void identifiers(String text, Set<String> into) {
        int i = 0, n = text.length();
        while (i < n) {
            int c = text.codePointAt(i);
            if (c == '_' || Character.isUnicodeIdentifierStart(c)) {
                int start = i;
                i += Character.charCount(c);
                while (i < n) {
                    int d = text.codePointAt(i);
                    if (d != '_' && !Character.isUnicodeIdentifierPart(d)) break;
                    i += Character.charCount(d);
                }
                into.add(text.substring(start, i));
            } else {
                i += Character.charCount(c);
            }
        }
    }
}

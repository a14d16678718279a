"""The state guard of a context that runs model-written programs one after another (code execution).

Loaded by io.autodidact.python.StateGuard: the JVM evaluates this file, takes the factory below (the file's last
expression), deletes its name from __main__ and keeps the guard it returns. Nothing in the guest refers to the
guard or to its snapshot afterwards, so a program cannot reach them, not through sys.modules, its caller's frame or
any module's dict: the snapshot lives only in this closure's cells, and the JVM holds the closure.

Everything the guard uses is bound once, when it is made (builtins, unbound methods of builtin types, sys, os), so
a program that patches builtins or module attributes cannot change what the guard does.

After every program the JVM calls guard(names, check_all), where names are the identifiers in the program and its tests (the
JVM finds them in the text, NFKC-normalised as Python does; a program that names a way around static reach, such as
getattr, __dict__, frames or exec, never gets here: the JVM replaces its context). The guard
  - puts back what any program may change in passing: sys.stdin/stdout/stderr, displayhook/excepthook, the trace
    and profile functions, the recursion limit, the int-to-str digit limit, the decimal context, sys.path and the
    import hooks, os.environ, and removes modules the program imported (so a later import runs them afresh);
  - checks, by identity, each module the program named (by full or last dotted name) and the classes defined in it
    against their state when the guard was made: every attribute whose name is in the program's text (a program
    can set or delete no other without a name the JVM treats as a way around naming). It returns "" when all are unchanged, or
    what changed: the JVM then replaces the context, since a changed module could change a later program's result.
    With check_all (a program that names type or __class__, and so may reach a class whose module it does not name)
    it checks every module and class it watches.
"""


def _autodidact_state_guard(preload):
    """preload: module names separated by spaces. Returns guard(names, check_all), names separated by spaces."""
    import builtins
    import operator
    import os
    import sys

    for name in preload.split():  # common imports, so that programs find them loaded (and checked) instead of re-importing
        try:
            __import__(name)
        except ImportError:
            pass

    _is, _all, _map, _len, _tuple, _isinstance = operator.is_, all, map, len, tuple, isinstance
    _dict_get, _proxy_get = dict.get, type(type.__dict__).get
    _list_setitem, _split, _frozenset, _whole = list.__setitem__, str.split, frozenset, slice(None)
    _sorted, _set, _join = sorted, set, ", ".join
    _setattr, _getattr = setattr, getattr
    missing = object()
    modules = sys.modules

    # module name (full and last dotted part) -> [(label, mapping, its get, a copy of it)]: the module's dict and
    # those of the classes defined in it
    watched = {}
    everything = []
    for full, module in _tuple(modules.items()):
        d = _getattr(module, "__dict__", None)
        if not _isinstance(d, dict):
            continue
        entries = [(full, d, _dict_get, dict(d))]
        for key, value in _tuple(d.items()):
            if _isinstance(value, type) and _getattr(value, "__module__", None) == full:
                entries.append((full + "." + key, value.__dict__, _proxy_get, dict(value.__dict__)))
        everything.extend(entries)
        for name in {full, full.rpartition(".")[2]}:
            watched.setdefault(name, []).extend(entries)
    module_count = _len(modules)

    sys_values = {n: _getattr(sys, n) for n in ("stdin", "stdout", "stderr", "displayhook", "excepthook", "breakpointhook",
                                                 "unraisablehook") if hasattr(sys, n)}
    recursion_limit = sys.getrecursionlimit()
    set_recursion_limit, get_recursion_limit = sys.setrecursionlimit, sys.getrecursionlimit
    get_digits = _getattr(sys, "get_int_max_str_digits", None)
    set_digits = _getattr(sys, "set_int_max_str_digits", None)
    digits = get_digits() if get_digits else None
    settrace, setprofile, gettrace, getprofile = sys.settrace, sys.setprofile, sys.gettrace, sys.getprofile
    lists = [(lst, _tuple(lst)) for lst in (sys.path, sys.meta_path, sys.path_hooks)]
    environ = os.environ
    environ_saved = dict(environ)
    random = modules.get("random")
    rng = _getattr(random, "_inst", None)
    if rng is not None:  # seeded the same before every program: a seed one program sets does not reach the next
        rng_getstate, rng_setstate = rng.getstate, rng.setstate
        rng_state = rng_getstate()
    decimal = modules.get("decimal")
    if decimal is not None:
        set_decimal_context, decimal_context, default_context = decimal.setcontext, decimal.Context, decimal.DefaultContext

        def default_fields():  # DefaultContext is the template of every fresh context: a program may edit it in place
            return _tuple(_getattr(default_context, f) for f in ("prec", "rounding", "Emin", "Emax", "capitals", "clamp"))
        default_fields_saved = default_fields()

    def changed_among(entries, names, changed):
        # Only names in the program's text can have been set or deleted on what it reached (a name made from a
        # string needs getattr, setattr, vars or __dict__, which never get here): one lookup per name, not a walk
        # over every attribute, which costs microseconds each in GraalPy.
        for label, mapping, get, saved in entries:
            for name in names:
                if get(mapping, name, missing) is not _dict_get(saved, name, missing):
                    changed.append(label + "." + name)

    def guard(names, check_all):
        names = _frozenset(_split(names))
        for attr, value in sys_values.items():
            if _getattr(sys, attr, None) is not value:
                _setattr(sys, attr, value)
        if gettrace() is not None:
            settrace(None)
        if getprofile() is not None:
            setprofile(None)
        if get_recursion_limit() != recursion_limit:
            set_recursion_limit(recursion_limit)
        if get_digits is not None and get_digits() != digits:
            set_digits(digits)
        for lst, saved in lists:
            if _len(lst) != _len(saved) or not _all(_map(_is, lst, saved)):
                _list_setitem(lst, _whole, saved)
        # What only a program naming it can change is compared only then: a per-program cost otherwise.
        if "environ" in names and environ != environ_saved:
            for key in _tuple(environ):
                if key not in environ_saved:
                    del environ[key]
            for key, value in environ_saved.items():
                environ[key] = value
        if rng is not None and "random" in names and rng_getstate() != rng_state:
            rng_setstate(rng_state)
        if decimal is not None and "decimal" in names:
            set_decimal_context(decimal_context())  # a fresh copy of DefaultContext, as a new thread would get
        if _len(modules) != module_count:
            for name in _tuple(modules)[module_count:]:
                del modules[name]
            if _len(modules) != module_count:
                return "sys.modules lost an entry"
        changed = []
        if check_all:
            changed_among(everything, names, changed)
        else:
            for name in names:
                entries = _dict_get(watched, name)
                if entries is not None:
                    changed_among(entries, names, changed)
        if decimal is not None and "decimal" in names and default_fields() != default_fields_saved:
            changed.append("decimal.DefaultContext")
        return _join(_sorted(_set(changed)))

    return guard


_autodidact_state_guard

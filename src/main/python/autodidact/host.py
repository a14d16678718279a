"""The Python side of Autodidact's reward host (GraalPy, loaded by io.autodidact.python before any user code).

The JVM hands modules over as source text (the sandbox has no file system), so imports are served from an
in-memory table by a meta-path finder. Requests and responses are JSON text: the same protocol runs in an
in-process context and in a sandbox child process, where it travels as one line per message.

Request:  {"samples": [{"id", "prompt", "completion", "answer", "metadata"}, ...]}
Response: {"results": [{"score": float|null, "correct": bool|null, "steps": [float], "message": str,
                        "error": str}, ...]}
"""
import builtins
import importlib.abc
import importlib.util
import json
import math
import sys
import traceback

_SOURCES = {}  # module name -> (file name, source text, is package)


class _SourceFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        entry = _SOURCES.get(name)
        if entry is None:
            return None
        spec = importlib.util.spec_from_loader(name, self, origin=entry[0], is_package=entry[2])
        spec.has_location = True
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        file_name, source, is_package = _SOURCES[module.__name__]
        module.__file__ = file_name
        if is_package:
            module.__path__ = []
        exec(compile(source, file_name, "exec"), module.__dict__)


sys.meta_path.insert(0, _SourceFinder())


def install(name, file_name, source, is_package):
    """Makes `name` importable from `source`; parent packages without an __init__ become empty packages."""
    _SOURCES[name] = (file_name, source, bool(is_package))
    parts = name.split(".")
    for i in range(1, len(parts)):
        parent = ".".join(parts[:i])
        if parent not in _SOURCES:
            _SOURCES[parent] = ("<package " + parent + ">", "", True)


class Sample(dict):
    """A sample as a plain dict (prompt, completion, answer, metadata, id) that also allows s.completion."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


_reward = None
_reward_batch = None
_BUILTINS = dict(builtins.__dict__)  # restored after each call, so one sample cannot patch the next one's
_float, _isinstance, _len, _str, _repr, _dict = float, isinstance, len, str, repr, dict


def prepare(module_name, function):
    """Imports the entry module and resolves `function` (and `<function>_batch`); returns '' or an error."""
    global _reward, _reward_batch
    try:
        module = __import__(module_name, fromlist=["*"])
    except SyntaxError as e:
        return "%s line %s: SyntaxError: %s" % (e.filename, e.lineno, e.msg)
    except BaseException as e:
        return "importing %s failed: %s" % (module_name, _describe(e))
    _reward = getattr(module, function, None)
    _reward_batch = getattr(module, function + "_batch", None)
    if not callable(_reward) and not callable(_reward_batch):
        return "module %s defines no function %s(sample) or %s_batch(samples)" % (module_name, function, function)
    return ""


def _describe(e):
    """The exception type and message, with the innermost user frame's file and line."""
    frames = traceback.extract_tb(e.__traceback__)
    where = ""
    for f in reversed(frames):
        if not f.filename.endswith("autodidact/host.py"):
            where = " (%s line %s)" % (f.filename, f.lineno)
            break
    return "%s: %s%s" % (type(e).__name__, e, where)


def _result(value):
    """Validates one returned value: a finite number, a bool, or a dict with 'score'."""
    steps, message, correct = [], "", None
    if _isinstance(value, _dict):
        if "score" not in value:
            return _failed("reward returned a dict without 'score'; return {'score': float, 'correct': bool, ...}")
        steps = value.get("steps", [])
        message = value.get("message", "")
        correct = value.get("correct")
        value = value["score"]
        if correct is not None and not _isinstance(correct, bool):
            return _failed("'correct' must be a bool, got %s" % type(correct).__name__)
        if not _isinstance(message, _str):
            return _failed("'message' must be a str, got %s" % type(message).__name__)
        try:
            steps = [_float(s) for s in steps]
        except (TypeError, ValueError):
            return _failed("'steps' must be a list of numbers, got %s" % _repr(steps)[:80])
        if any(not math.isfinite(s) for s in steps):
            return _failed("'steps' must be finite, got %s" % _repr(steps)[:80])
    if value is None:
        return _failed("reward returned None; return a float (a missing return statement?)")
    if _isinstance(value, bool):
        value, correct = (1.0 if value else 0.0), (value if correct is None else correct)
    if not _isinstance(value, (int, _float)):
        return _failed("reward returned %s %s; return a float or a dict with 'score'"
                       % (type(value).__name__, _repr(value)[:80]))
    value = _float(value)
    if not math.isfinite(value):
        return _failed("reward returned %s; return a finite float" % value)
    return {"score": value, "correct": correct, "steps": steps, "message": message, "error": ""}


def _failed(error):
    return {"score": None, "correct": None, "steps": [], "message": "", "error": error}


def _restore():
    d = builtins.__dict__
    if d != _BUILTINS:
        d.clear()
        d.update(_BUILTINS)


def handle(request_text):
    """One request in, one response out, both JSON text; never raises for a user's mistake."""
    samples = [Sample(s) for s in json.loads(request_text)["samples"]]
    results = []
    try:
        if _reward_batch is not None:
            try:
                values = _reward_batch(samples)
                values = list(values)
                if _len(values) != _len(samples):
                    results = [_failed("reward_batch returned %d values for %d samples" % (_len(values), _len(samples)))] * _len(samples)
                else:
                    results = [_result(v) for v in values]
            except BaseException as e:  # SystemExit too: a reward may not end the interpreter
                results = [_failed(_describe(e))] * _len(samples)
        else:
            for s in samples:
                try:
                    results.append(_result(_reward(s)))
                except BaseException as e:
                    results.append(_failed(_describe(e)))
    finally:
        _restore()
    try:
        return json.dumps({"results": results}, allow_nan=False)
    except (TypeError, ValueError) as e:
        return json.dumps({"results": [_failed("result not serialisable: %s" % e)] * _len(samples)})

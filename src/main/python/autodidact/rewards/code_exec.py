"""Code-execution reward: run model-written Python against test cases, score the fraction that pass.

The tests come from the problem's metadata field "tests" (a list, or the JSON text of one; the answer field
is used when there is no such metadata). Each test is either
  - a string of Python, typically asserts: "assert add(2, 3) == 5", run after the program in its namespace;
  - {"input": "...", "output": "..."}: the program is run as a script with that stdin, and its stdout must
    equal the output (trailing whitespace ignored per line).
The result is {"score": passed / total, "correct": all passed, "steps": [1.0 or 0.0 per test], "message"}.

This module runs only in the sandbox (a child JVM with a heap limit, no files, network, processes or threads).
Programs run one after another in the grader's interpreter; after each, the JVM's state guard
(autodidact/state_guard.py, io.autodidact.python.StateGuard) puts back what a program may change in passing and
replaces the interpreter when the program changed, or could have reached, state a later program depends on. A
program can still fake its own result from inside (it runs in the grader's interpreter); it cannot fake another's.
"""
import builtins
import io
import json
import re
import sys
import traceback

_FENCE = re.compile(r"```(?:python|py|Python)?[ \t]*\n(.*?)```", re.DOTALL)


def extract_code(completion):
    """The last fenced code block (```python ... ```), or the whole completion when it has none."""
    blocks = _FENCE.findall(completion)
    return blocks[-1] if blocks else completion


def load_tests(sample):
    tests = sample.get("metadata", {}).get("tests")
    if tests is None:
        tests = sample.get("answer")
    if isinstance(tests, str):
        tests = json.loads(tests)
    if not isinstance(tests, list) or not tests:
        raise ValueError("no tests: give metadata.tests as a list of assert strings or {input, output} pairs")
    return tests


def _short(e):
    # walk_tb, not extract_tb: extract_tb looks every frame's source line up through linecache, which in the
    # sandbox (no file system) fails slowly, and only the file name and line number are wanted here.
    where = ""
    for frame, lineno in traceback.walk_tb(e.__traceback__):
        if frame.f_code.co_filename in ("<program>", "<test>"):
            where = " (%s line %d)" % (frame.f_code.co_filename, lineno)
    text = str(e)
    return "%s%s%s" % (type(e).__name__, ": " + text[:200] if text else "", where)


def _run_assert(namespace, test):
    exec(compile(test, "<test>", "exec"), namespace)
    return True, ""


def _run_io(code, test):
    sys.stdin = io.StringIO(str(test.get("input", "")))
    out = io.StringIO()
    sys.stdout = out
    try:
        exec(code, {"__name__": "__main__", "__builtins__": builtins})
    finally:
        sys.stdout, sys.stdin = _STDOUT, _STDIN
    got = _lines(out.getvalue())
    want = _lines(str(test.get("output", "")))
    if got == want:
        return True, ""
    return False, "expected %r, got %r" % ("\n".join(want)[:100], "\n".join(got)[:100])


def _lines(text):
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return lines


def run_tests(program, tests):
    """Per-test outcomes: a list of (passed, detail). The program is compiled once; assert tests share one
    namespace, in which the program ran once (as MBPP/HumanEval harnesses do); each input/output test runs
    the program afresh."""
    try:
        code = compile(program, "<program>", "exec")
    except SyntaxError as e:
        return [(False, "SyntaxError: %s (%s line %s)" % (e.msg, e.filename, e.lineno))] * len(tests)
    outcomes = []
    namespace = None
    # A program that swaps sys.stdout or sys.stdin for its own later tests is answered by the state guard, which
    # puts both back after the program.
    for test in tests:
        try:
            if isinstance(test, str):
                if namespace is None:
                    namespace = {"__name__": "solution", "__builtins__": builtins}
                    exec(code, namespace)
                outcomes.append(_run_assert(namespace, test))
            elif isinstance(test, dict):
                outcomes.append(_run_io(code, test))
            else:
                outcomes.append((False, "test is neither a string nor an {input, output} object"))
        except SyntaxError as e:
            outcomes.append((False, "SyntaxError: %s (%s line %s)" % (e.msg, e.filename, e.lineno)))
        except BaseException as e:  # SystemExit, RecursionError, MemoryError... all count as a failed test
            outcomes.append((False, _short(e)))
    return outcomes


def reward(sample):
    tests = load_tests(sample)
    outcomes = run_tests(extract_code(sample["completion"]), tests)
    passed = sum(1 for ok, _ in outcomes if ok)
    failures = ["test %d: %s" % (i + 1, detail) for i, (ok, detail) in enumerate(outcomes) if not ok]
    message = "%d/%d tests passed" % (passed, len(outcomes)) + ("; " + "; ".join(failures) if failures else "")
    return {"score": passed / len(outcomes), "correct": passed == len(outcomes),
            "steps": [1.0 if ok else 0.0 for ok, _ in outcomes], "message": message[:2000]}


_STDIN, _STDOUT = sys.stdin, sys.stdout

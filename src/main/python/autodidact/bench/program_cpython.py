"""One program per fresh CPython process (the naive sandbox `autodidact bench rewards` compares against).

Reads {"program": str, "tests": [assert strings]} as JSON on stdin; prints the number of tests passed.
"""
import json
import sys

job = json.load(sys.stdin)
passed = 0
for test in job["tests"]:
    try:
        namespace = {"__name__": "solution"}
        exec(compile(job["program"], "<program>", "exec"), namespace)
        exec(compile(test, "<test>", "exec"), namespace)
        passed += 1
    except BaseException:
        pass
print(passed)

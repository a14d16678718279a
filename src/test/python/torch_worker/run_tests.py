"""Runs every test_*.py here with unittest and writes one outcome per test for TorchWorkerTest:

    python3 run_tests.py results.json

{"test_model.ModelTest.test_...": {"status": "pass" | "fail" | "skip", "message": "..."}, ...}. A test module that cannot
be imported counts as a failed test named after the module.
"""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class Outcomes(unittest.TextTestResult):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.outcomes = {}
        self.started = {}

    def _key(self, test):
        return test.id().split(" ")[0]

    def startTest(self, test):
        super().startTest(test)
        self.started[self._key(test)] = time.perf_counter()
        self.outcomes[self._key(test)] = {"status": "pass", "message": ""}

    def stopTest(self, test):
        super().stopTest(test)
        self.outcomes[self._key(test)]["seconds"] = round(time.perf_counter() - self.started[self._key(test)], 3)

    def _failed(self, test, err):
        entry = self.outcomes.setdefault(self._key(test), {"status": "pass", "message": ""})
        entry["status"] = "fail"
        entry["message"] += self._exc_info_to_string(err, test) + "\n"

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._failed(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._failed(test, err)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._failed(test, err)
            self.outcomes[self._key(test)]["message"] = "[%s] " % subtest._subDescription() + self.outcomes[self._key(test)]["message"]

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes[self._key(test)] = {"status": "skip", "message": reason}


def main(out_path):
    sys.path.insert(0, HERE)
    import torch
    torch.set_num_threads(1)
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Outcomes)
    result = runner.run(suite)
    outcomes = dict(result.outcomes)
    for test, trace in result.errors:  # module import failures surface as _FailedTest entries
        if test.id().startswith("unittest.loader._FailedTest"):
            outcomes[test.id().split(".")[-1]] = {"status": "fail", "message": trace}
    with open(out_path, "w") as f:
        json.dump(outcomes, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])

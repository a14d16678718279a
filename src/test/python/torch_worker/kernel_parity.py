"""Runs kernel cases written by KernelTorchParityTest on torch tensors (autodidact.worker.xp_torch) and writes each
case's value, gradient and monitors, for the test to compare with what GraalPy over DJL computed.

    python3 kernel_parity.py cases.json results.json

A case is {"name", "kind": "call" | "apply", "module", "function", "options" (JSON text), "args": [...], "weights"}.
Arrays travel as {"shape": [...], "dtype": "float32" | "int64", "data": [...]}; the first argument is the one
differentiated. "call" goes through engine.call (a loss on a Batch: value = the loss, gradient = d loss / d logits);
"apply" through engine.apply (value = the output, gradient = d sum(output * weights) / d first argument).
"""
import json
import sys

import torch

from autodidact.kernels import engine
from autodidact.worker import xp_torch

_TYPES = {"float32": torch.float32, "int64": torch.int64}


def _arg(a):
    if isinstance(a, dict):
        return torch.tensor(a["data"], dtype=_TYPES[a["dtype"]]).reshape(a["shape"])
    return a


def run(case):
    args = [_arg(a) for a in case["args"]]
    x = args[0].requires_grad_(True)
    fn = engine.resolve(case["module"], case["function"])
    if isinstance(fn, str):
        raise SystemExit(fn)
    if case["kind"] == "call":
        loss, flat = engine.call(fn, *args[:8], case["options"], *args[8:])
        loss.backward()
        return {"value": [loss.item()], "grad": x.grad.reshape(-1).tolist(),
                "monitors": {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}}
    out = engine.apply(fn, case["options"], *args)
    w = torch.tensor(case["weights"], dtype=torch.float32)
    (out.to(torch.float32).reshape(-1) * w).sum().backward()
    return {"value": out.reshape(-1).tolist(), "grad": x.grad.reshape(-1).tolist(), "monitors": {}}


def main(cases_path, results_path):
    torch.set_num_threads(1)
    xp_torch.bind()
    with open(cases_path) as f:
        cases = json.load(f)["cases"]
    results = {c["name"]: run(c) for c in cases}
    with open(results_path, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""CPython baseline for `autodidact bench rewards`: the same reward file over the same JSONL samples.

usage: python3 reward_cpython.py REWARD.py SAMPLES.jsonl BATCH
Prints one JSON line: count, seconds (reading, parsing and scoring; not interpreter start-up), scores_per_s.
"""
import importlib.util
import json
import sys
import time


def main():
    reward_file, samples_file, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    spec = importlib.util.spec_from_file_location("bench_reward", reward_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    batch_fn = getattr(module, "reward_batch", None)
    t0 = time.perf_counter()
    count, total = 0, 0.0
    with open(samples_file, encoding="utf-8") as f:
        chunk = []
        for line in f:
            chunk.append(json.loads(line))
            if len(chunk) == batch:
                count, total = _score(module, batch_fn, chunk, count, total)
                chunk = []
        if chunk:
            count, total = _score(module, batch_fn, chunk, count, total)
    seconds = time.perf_counter() - t0
    print(json.dumps({"count": count, "seconds": seconds, "scores_per_s": count / seconds, "mean_score": total / max(count, 1),
                      "python": sys.version.split()[0]}))


def _score(module, batch_fn, chunk, count, total):
    values = batch_fn(chunk) if batch_fn else [module.reward(s) for s in chunk]
    for v in values:
        total += v["score"] if isinstance(v, dict) else float(v)
    return count + len(chunk), total


if __name__ == "__main__":
    main()

"""The reward `autodidact bench rewards` times on GraalPy and CPython (the same as docs/examples/gsm8k_reward.py).

Uses the bundled helpers (standard library only), which work the same under GraalPy and CPython.
"""
from autodidact.rewards import final_answer, same_number


def reward(sample):
    guess = final_answer(sample["completion"])
    if guess is None:
        return {"score": 0.0, "correct": False, "message": "no final answer"}
    ok = same_number(guess, sample["answer"])
    return {"score": 1.0 if ok else 0.0, "correct": ok, "message": "answered " + guess}


def reward_batch(samples):
    # Optional: called with a whole batch instead of reward() per sample. It crosses the Java/Python
    # boundary once per batch; here it simply maps reward() over the batch.
    return [reward(s) for s in samples]

"""A plain reward: 1.0 when the final answer equals the problem's answer as a number."""
from autodidact.rewards import final_answer, same_number


def reward(sample):
    guess = final_answer(sample["completion"])
    ok = same_number(guess, sample.answer)
    return {"score": 1.0 if ok else 0.0, "correct": ok, "steps": [0.5, 1.0], "message": "saw %s" % guess}

"""Group advantages over the K samples of each problem: rewards [G, K] in, advantages [G, K] out (no gradient).

GRPO:     A_i = (r_i - mean r) / (std r + eps), std the sample standard deviation (K - 1 in the denominator, as
          torch.std); a group whose rewards are all equal gets 0.
Dr. GRPO: A_i = r_i - mean r.
RLOO:     A_i = r_i - mean_{j != i} r_j = K / (K - 1) * (r_i - mean r).
"""
from autodidact.kernels import xp


def group_advantages(rewards, method="grpo", eps=1e-6):
    """Advantages per sample of each group (row) of `rewards` [G, K]; method is 'grpo', 'drgrpo' or 'rloo'."""
    k = rewards.shape[1]
    centred = rewards - xp.mean(rewards, axis=1, keepdims=True)
    if method == "grpo":
        return centred / (xp.std(rewards, axis=1, keepdims=True, correction=1) + eps)
    if method == "drgrpo":
        return centred
    if method == "rloo":
        if k < 2:
            raise ValueError("RLOO needs at least 2 samples per group, got %d" % k)
        return centred * (k / (k - 1.0))
    raise ValueError("method must be 'grpo', 'drgrpo' or 'rloo', got %r" % (method,))

"""A kernel of your own: REINFORCE with a mean-over-tokens baseline-free loss, plus a monitor.

Use it in a run with
    recipe: {name: grpo, kernel: docs/examples/reinforce_kernel.py, kernel_function: loss}
"""
from autodidact.kernels import xp


def loss(batch, **options):
    """-(1/N) sum_{i,t} A_i * m_it * log pi(y_it), N = the step's completion tokens."""
    logp = batch.token_logp()                                   # [B, T]
    pg = -xp.sum(logp * batch.mask * batch.advantages) / batch.total_tokens
    ratio = xp.exp(xp.stop_gradient(logp) - batch.old_logp)     # how far the policy moved since sampling
    return pg, {"ratio": xp.mean(ratio, mask=batch.mask)}

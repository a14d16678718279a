"""A user kernel for the tests: REINFORCE with a token-mean, written against xp (docs/kernels.md)."""
from autodidact.kernels import xp


def loss(batch, **options):
    logp = batch.token_logp()
    return -xp.sum(logp * batch.mask * batch.advantages) / batch.total_tokens, {"tokens": batch.total_tokens}

"""Self-certainty (Kang et al., "Scalable Best-of-N Selection via Self-Certainty").

For a completion of n tokens over a vocabulary of V: the mean over its tokens of KL(uniform || p_t),
    self_certainty = -(1 / (n V)) sum_t sum_j log(V p_t(j)) = mean_t ( -log V - (1/V) sum_j log p_t(j) ).
Higher means more confident.
"""
import math

from autodidact.kernels import xp


def self_certainty(logits, mask):
    """Per row of logits [B, T, V] over its masked positions (mask [B, T]): [B]; 0 for an empty row."""
    v = logits.shape[-1]
    lp = xp.log_softmax(logits, axis=-1)
    per_token = -xp.mean(lp, axis=-1) - math.log(v)
    return xp.mean(per_token, axis=1, mask=mask)

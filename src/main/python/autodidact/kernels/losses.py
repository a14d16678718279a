"""Losses. Shapes: B rows, T positions, V vocabulary; `mask` [B, T] is 1 on completion tokens, 0 elsewhere.

The engine calls `sft(batch, ...)`, `policy_gradient(batch, ...)` or `dpo(batch, ...)` (see autodidact.kernels.engine.Batch); the
other functions are the math, callable on any arrays.
"""
from autodidact.kernels import xp


def masked_cross_entropy(logp, mask, weights, denominator):
    """SFT loss: -(1/N) sum_{i,t} w_i * m_it * log p(y_it | y_i<t), N = `denominator` (the step's completion tokens).

    logp [B, T] log-probabilities of the targets, mask [B, T], weights [B, 1] per-row weights.
    """
    return -xp.sum(logp * mask * weights) / float(denominator)


def clipped_policy_loss(logp, old_logp, advantages, mask, eps_low=0.2, eps_high=0.2, kl_coef=0.0, ref_logp=None,
                        averaging="token", total_tokens=None, total_sequences=None, max_length=None, off_policy=None,
                        gamma_percentile=0.9, kl_weights=None):
    """Clipped policy-gradient loss (PPO/GRPO/DAPO/Dr. GRPO), returning (loss, monitors).

    Per token: rho = exp(logp - old_logp), l_it = -min(rho * A_i, clip(rho, 1 - eps_low, 1 + eps_high) * A_i)
                    + kl_coef * w_i * (exp(q) - q - 1),  q = ref_logp - logp   (k3 estimator; only when ref_logp is given)
    with w_i the row's entry of kl_weights [B, 1] (1 when None: SCoRe gives its first attempts a stronger KL).
    Averaging over masked tokens (m_it), with n_i = sum_t m_it:
      "token"    (DAPO):     sum_{i,t} m_it l_it / total_tokens
      "sequence" (GRPO):     (1 / total_sequences) sum_i (sum_t m_it l_it / max(n_i, 1))
      "constant" (Dr. GRPO): (1 / total_sequences) sum_i (sum_t m_it l_it / max_length)
    Guide's off-policy rows (`off_policy` [B, 1], 1 on a row sampled with a hint, old_logp from the hinted prompt):
    their ratio is not clipped but shaped, l_it = -(rho / (rho + gamma)) * A_i, gamma the `gamma_percentile` quantile
    of rho over the off-policy rows' masked tokens (detached, at least 1e-4); monitors add off_policy_gamma and
    off_policy_shaped_ratio (mean shaped ratio over those tokens).
    The totals count the whole optimizer step, so micro-batches add up to the same loss; they default to this
    batch's. Rows with an empty mask contribute 0. Monitors: clip_fraction (tokens where the clipped branch
    is active), ratio (mean rho), kl (mean k3; 0 without ref_logp), over masked tokens.
    """
    if total_tokens is None:
        total_tokens = max(float(xp.sum(mask)), 1.0)
    if total_sequences is None:
        total_sequences = logp.shape[0]
    if kl_coef and ref_logp is None:
        raise ValueError("kl_coef is %s but no reference log-probabilities were given" % (kl_coef,))
    ratio = xp.exp(logp - old_logp)
    unclipped = ratio * advantages
    clipped = xp.clip(ratio, 1.0 - eps_low, 1.0 + eps_high) * advantages
    token_loss = -xp.minimum(unclipped, clipped)
    shaping = {}
    if off_policy is not None:
        off_mask = mask * off_policy
        gamma = float(xp.quantile(ratio, gamma_percentile, mask=off_mask))
        gamma = 1.0 if gamma != gamma else max(gamma, 1e-4)  # NaN: no off-policy token here, shaping unused
        shaped = ratio / (ratio + gamma)
        token_loss = -(shaped * advantages) * off_policy + token_loss * (1.0 - off_policy)
        if float(xp.sum(off_mask)) > 0:
            shaping = {"off_policy_gamma": gamma,
                       "off_policy_shaped_ratio": xp.mean(xp.stop_gradient(shaped), mask=off_mask)}
    kl = None
    if ref_logp is not None:
        q = ref_logp - logp
        kl = xp.exp(q) - q - 1.0
        if kl_coef:
            token_loss = token_loss + (kl * kl_coef if kl_weights is None else kl * kl_weights * kl_coef)
    if averaging == "token":
        loss = xp.sum(token_loss * mask) / float(total_tokens)
    elif averaging == "sequence":
        per_row = xp.sum(token_loss * mask, axis=1) / xp.maximum(xp.sum(mask, axis=1), 1.0)
        loss = xp.sum(per_row) / float(total_sequences)
    elif averaging == "constant":
        if not max_length:
            raise ValueError("averaging 'constant' (Dr. GRPO) needs max_length, the generation length limit")
        loss = xp.sum(token_loss * mask) / (float(max_length) * float(total_sequences))
    else:
        raise ValueError("averaging must be 'token', 'sequence' or 'constant', got %r" % (averaging,))
    active = xp.astype(clipped < unclipped, "float32")  # -min picks the clipped branch
    monitors = {
        "clip_fraction": xp.mean(xp.stop_gradient(active), mask=mask),
        "ratio": xp.mean(xp.stop_gradient(ratio), mask=mask),
        "kl": 0.0 if kl is None else xp.mean(xp.stop_gradient(kl), mask=mask),
    }
    monitors.update(shaping)
    return loss, monitors


def token_entropy(logits):
    """H_t = -sum_j p_t(j) log p_t(j), [B, T]."""
    lp = xp.log_softmax(logits, axis=-1)
    return -xp.sum(xp.exp(lp) * lp, axis=-1)


def dpo_loss(chosen_logp, rejected_logp, ref_chosen_logp, ref_rejected_logp, beta=0.1):
    """DPO (Rafailov et al. 2023), mean over pairs of -log sigmoid(beta * ((c - c_ref) - (r - r_ref))).

    Each argument is [P] sequence log-probabilities (sums over completion tokens) of the chosen and rejected
    completion of P preference pairs, under the policy and the frozen reference.
    """
    margin = (chosen_logp - ref_chosen_logp) - (rejected_logp - ref_rejected_logp)
    return -xp.mean(xp.log_sigmoid(margin * float(beta)))


# --------------------------------------------------------------------- engine entry points
def sft(batch, **_):
    """Masked SFT cross-entropy on the completion tokens, weighted per row."""
    return masked_cross_entropy(batch.token_logp(), batch.mask, batch.advantages, batch.total_tokens)


def policy_gradient(batch, eps_low=0.2, eps_high=0.2, kl_coef=0.0, averaging="token", max_length=0, gamma_percentile=0.9, **_):
    """The clipped loss on the engine's batch; old log-probabilities are required, reference ones for kl_coef."""
    if batch.old_logp is None:
        raise ValueError("policy_gradient needs old log-probabilities (TrainSequence.oldLogprobs) on every row")
    logp = batch.token_logp()
    loss, monitors = clipped_policy_loss(logp, batch.old_logp, batch.advantages, batch.mask, eps_low, eps_high,
                                         kl_coef, batch.ref_logp, averaging, batch.total_tokens,
                                         batch.total_sequences, max_length, batch.off_policy, gamma_percentile, batch.kl_weights)
    # Detached before the math, not after: a monitor has no gradient, so autograd need not record (and keep) its ops.
    monitors["entropy"] = xp.mean(token_entropy(xp.stop_gradient(batch.logits)), mask=batch.mask)
    return loss, monitors


def dpo(batch, beta=0.1, **_):
    """DPO on the engine's batch: rows are (chosen, rejected) pairs in order, each scored by its sequence
    log-probability (the masked sum over completion tokens) minus the reference's. The step's loss is the mean over
    all its pairs, so a micro-batch contributes its pairs' sum over total_sequences / 2. Monitors, over pairs:
    reward_margin (beta times the margin), reward_accuracy (share of pairs with a positive margin), chosen_reward
    and rejected_reward (beta times each side's log-ratio to the reference).
    """
    if batch.ref_logp is None:
        raise ValueError("dpo needs reference log-probabilities (TrainSequence.refLogprobs) on every row")
    rows = batch.mask.shape[0]
    if rows % 2:
        raise ValueError("dpo takes (chosen, rejected) row pairs; this micro-batch has %d rows" % rows)
    seq = xp.sum(batch.token_logp() * batch.mask, axis=1)
    ref = xp.sum(batch.ref_logp * batch.mask, axis=1)
    ratios = xp.reshape(seq - ref, (rows // 2, 2))
    chosen, rejected = ratios[:, 0], ratios[:, 1]
    pairs = rows // 2
    loss = dpo_loss(chosen, rejected, xp.zeros_like(chosen), xp.zeros_like(rejected), beta) * (pairs / (batch.total_sequences / 2.0))
    margin = xp.stop_gradient(chosen - rejected) * float(beta)
    monitors = {
        "reward_margin": xp.mean(margin),
        "reward_accuracy": xp.mean(xp.astype(margin > 0.0, "float32")),
        "chosen_reward": xp.mean(xp.stop_gradient(chosen)) * float(beta),
        "rejected_reward": xp.mean(xp.stop_gradient(rejected)) * float(beta),
    }
    return loss, monitors

"""Batched sampling with a static KV cache and continuous batching.

    for c in generate(model, prompts, Sampling(temperature=1.0, max_new_tokens=64, stop_token_ids=(eos,))):
        c.index, c.tokens, c.logprobs, c.finish_reason          # in the order sequences finish

Up to `batch_size` sequences decode together, one token per step for all of them; a finished sequence's cache row is
refilled by the next waiting prompt at once (prefilled in one forward pass with the others admitted that step), so
the batch stays full while prompts wait. Attention covers only the filled prefix of the cache. Each sequence draws its
tokens from its own stream, a hash of (seed, prompt_index, sample_index, step) computed on the device, so a sample does
not depend on what shared its batch, as the worker protocol asks. Log-probabilities are at temperature 1.
"""
from collections import deque
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Sampling:
    """temperature 0 is greedy; top_k 0 and top_p 1 disable those filters."""

    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    max_new_tokens: int = 64
    stop_token_ids: tuple = ()
    seed: int = 0

    def __post_init__(self):
        if not self.temperature >= 0:
            raise ValueError("temperature must be >= 0, got %r" % (self.temperature,))
        if not 0 < self.top_p <= 1:
            raise ValueError("top_p must be in (0, 1], got %r" % (self.top_p,))
        if self.top_k < 0:
            raise ValueError("top_k must be >= 0 (0 disables it), got %r" % (self.top_k,))
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be > 0, got %r" % (self.max_new_tokens,))


@dataclass(frozen=True)
class Completion:
    index: int            # the prompt's position in the request
    tokens: list          # completion tokens, including the stop token that ended it
    logprobs: list        # log p(token) at temperature 1, one per token
    finish_reason: str    # "eos" (a stop token), "stop" (the stop callback) or "length"


# ------------------------------------------------------------------------------------------ random streams

_MASK64 = (1 << 64) - 1


def _signed(c):
    return c - (1 << 64) if c >= 1 << 63 else c


_C1, _C2 = _signed(0xBF58476D1CE4E5B9), _signed(0xD1B54A32D192ED03)
_GOLDEN = _signed(0x9E3779B97F4A7C15)
_K_PROMPT, _K_SAMPLE = _signed(0xC2B2AE3D27D4EB4F), _signed(0x165667B19E3779F9)


def _srl(x, s):
    """Logical right shift of int64 tensors (>> is arithmetic on signed values)."""
    return (x >> s) & ((1 << (64 - s)) - 1)


def _mix(x):
    """splitmix64's finaliser on int64 tensors (multiplication wraps modulo 2^64)."""
    x = x ^ _srl(x, 30)
    x = x * _C1
    x = x ^ _srl(x, 27)
    x = x * _C2
    return x ^ _srl(x, 31)


def stream_keys(seed, prompt_index, sample_index):
    """One key per sequence [n] int64 from its (seed, prompt_index, sample_index)."""
    seed_part = _signed((int(seed) * _signed(_GOLDEN)) & _MASK64)
    return _mix(prompt_index.long() * _K_PROMPT + sample_index.long() * _K_SAMPLE + seed_part)


def uniforms(keys, step):
    """A uniform in [0, 1) per sequence for draw number `step` [n] of its stream (24 random bits, float32)."""
    bits = _mix(keys + step.long() * _GOLDEN)
    return _srl(bits, 40).float() / float(1 << 24)


# ------------------------------------------------------------------------------------------ sampling

def sample(logits, sampling, u):
    """Next tokens [n] from logits [n, V] (float32): greedy at temperature 0, else a draw by inverse CDF at `u` [n] from
    softmax(logits / temperature) restricted to the top_k tokens (ties kept) and then to the smallest most-probable set
    whose mass reaches top_p."""
    if sampling.temperature == 0:
        return logits.argmax(-1)
    z = logits / sampling.temperature
    v = z.shape[-1]
    if 0 < sampling.top_k < v:
        kth = torch.topk(z, sampling.top_k, dim=-1).values[:, -1:]
        z = z.masked_fill(z < kth, float("-inf"))
    p = torch.softmax(z, dim=-1)
    if sampling.top_p < 1:
        sorted_p, order = torch.sort(p, dim=-1, descending=True)
        before = torch.cumsum(sorted_p, dim=-1) - sorted_p  # mass of the more probable tokens
        keep = torch.zeros_like(p, dtype=torch.bool).scatter(-1, order, before < sampling.top_p)
        p = p * keep
    cdf = torch.cumsum(p, dim=-1)
    target = (u * cdf[:, -1]).unsqueeze(-1)
    return torch.searchsorted(cdf, target, right=True).squeeze(-1).clamp(max=v - 1)


# ------------------------------------------------------------------------------------------ generation

def generate(model, prompts, sampling, prompt_index=None, sample_index=None, batch_size=64, stop=None):
    """Yields a Completion per prompt (lists of token ids), in the order they finish. prompt_index and sample_index
    (default: the prompt's position, 0) key each sequence's random stream. `stop(tokens)`, when given, is asked after
    every token that is not a stop token whether the completion so far ends the sequence (finish_reason "stop")."""
    if not prompts:
        return
    for i, p in enumerate(prompts):
        if len(p) == 0:
            raise ValueError("prompt %d is empty; a prompt needs at least one token" % i)
    n = len(prompts)
    prompt_index = list(range(n)) if prompt_index is None else list(prompt_index)
    sample_index = [0] * n if sample_index is None else list(sample_index)
    limit = model.config.max_position_embeddings
    longest = max(len(p) for p in prompts)
    if longest >= limit:
        raise ValueError("a prompt of %d tokens leaves no room in the model's context of %d; shorten it" % (longest, limit))
    # A sequence that fills the context (prompt + completion = context) ends there ("length"), as in the JVM engine,
    # whatever max_new_tokens says.
    length = min(longest + sampling.max_new_tokens, limit)
    device = model.lm_head.weight.device
    keys = stream_keys(sampling.seed, torch.tensor(prompt_index, device=device), torch.tensor(sample_index, device=device))
    stops = torch.tensor(sorted(set(sampling.stop_token_ids)), dtype=torch.long, device=device)
    b = min(batch_size, n)
    cache = model.new_cache(b, length)
    slot_of = [-1] * b                          # the prompt each cache row holds, -1 when free
    made = [[] for _ in range(b)]               # tokens and logprobs so far, per row
    made_lp = [[] for _ in range(b)]
    last = torch.zeros(b, dtype=torch.long, device=device)       # the token each row feeds next
    position = torch.zeros(b, dtype=torch.long, device=device)   # the position it goes to
    waiting = deque(range(n))
    was_training = model.training
    model.eval()
    try:
        # Grad mode is per thread, not per generator: no_grad around each forward, never across a yield, so the caller
        # does not run without autograd while this generator is suspended.
        while waiting or any(s >= 0 for s in slot_of):
            free = [r for r in range(b) if slot_of[r] < 0]
            admitted = [(r, waiting.popleft()) for r in free[:len(waiting)]]
            if admitted:
                rows = torch.tensor([r for r, _ in admitted], device=device)
                width = max(len(prompts[i]) for _, i in admitted)
                ids = torch.zeros(len(admitted), width, dtype=torch.long, device=device)
                for j, (_, i) in enumerate(admitted):
                    ids[j, :len(prompts[i])] = torch.tensor(prompts[i], device=device)
                ends = torch.tensor([len(prompts[i]) - 1 for _, i in admitted], device=device)
                with torch.no_grad():
                    logits = model(ids, cache=cache, slots=rows, last=ends).float()
                for r, i in admitted:
                    slot_of[r] = i
                    made[r], made_lp[r] = [], []
                position[rows] = ends  # _take moves it on to where the sampled token goes
                yield from _take(logits, rows, admitted, sampling, keys, stops, stop, limit, slot_of, made, made_lp, last, position)
            if not any(s >= 0 for s in slot_of):
                continue
            active = [(r, slot_of[r]) for r in range(b) if slot_of[r] >= 0]
            rows = torch.tensor([r for r, _ in active], device=device)
            # Free rows decode a dummy token at position 0 and are ignored: the batch keeps one shape.
            busy = torch.tensor([s >= 0 for s in slot_of], device=device)
            step_pos = torch.where(busy, position, torch.zeros_like(position))
            with torch.no_grad():
                logits = model(last[:, None], positions=step_pos[:, None], cache=cache)[:, 0].float()
            yield from _take(logits[rows], rows, active, sampling, keys, stops, stop, limit, slot_of, made, made_lp, last, position)
    finally:
        model.train(was_training)


def _take(logits, rows, pairs, sampling, keys, stops, stop, limit, slot_of, made, made_lp, last, position):
    """Samples one token for each (row, prompt) of `pairs` from its logits; yields the sequences that finish."""
    prompts_idx = torch.tensor([i for _, i in pairs], device=logits.device)
    steps = torch.tensor([len(made[r]) for r, _ in pairs], device=logits.device)
    tokens = sample(logits, sampling, uniforms(keys[prompts_idx], steps))
    logprobs = torch.log_softmax(logits, dim=-1).gather(-1, tokens[:, None])[:, 0]
    stopped = torch.isin(tokens, stops) if stops.numel() else torch.zeros_like(tokens, dtype=torch.bool)
    last[rows] = tokens
    position[rows] += 1
    full = {r: p + 1 >= limit for r, p in zip([r for r, _ in pairs], position[rows].tolist())}
    for (r, i), t, lp, s in zip(pairs, tokens.tolist(), logprobs.tolist(), stopped.tolist()):
        made[r].append(t)
        made_lp[r].append(lp)
        reason = "eos" if s else "stop" if stop is not None and stop(made[r]) else \
            "length" if len(made[r]) >= sampling.max_new_tokens or full[r] else None
        if reason:
            yield Completion(i, made[r], made_lp[r], reason)
            slot_of[r] = -1

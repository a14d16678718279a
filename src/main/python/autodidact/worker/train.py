"""One optimizer step on the worker protocol's training rows: a kernel of autodidact.kernels on torch tensors (the same
files the JVM runs on GraalPy), gradient accumulation over micro-batches, gradient clipping and AdamW.

    trainer = Trainer(model)
    metrics = trainer.step(rows, Objective(loss="policy_gradient", averaging="sequence"), learning_rate=1e-4)

The kernels normalise by the whole step's totals (completion tokens, rows), so micro-batches add up to one big batch.
AdamW is as the JVM engine's: decoupled weight decay on matrices only, gradients clipped to a global L2 norm (the norm
reported is the one before clipping).
"""
import importlib.util
import json
import os
from dataclasses import dataclass, field

import torch

from autodidact.kernels import engine
from autodidact.worker import xp_torch

LOSSES = ("sft", "policy_gradient", "dpo")
AVERAGING = ("token", "sequence", "constant")


@dataclass(frozen=True)
class TrainRow:
    """One row of a `train` exchange: prompt then completion tokens; per-completion-token lists are empty or that long."""

    tokens: tuple
    completion_start: int
    weight: float = 1.0
    token_weights: tuple = ()
    old_logprobs: tuple = ()
    ref_logprobs: tuple = ()
    off_policy: bool = False
    kl_weight: float = 1.0

    def __post_init__(self):
        if not 1 <= self.completion_start < len(self.tokens):
            raise ValueError("completion_start must be in [1, %d) for a row of %d tokens, got %d"
                             % (len(self.tokens), len(self.tokens), self.completion_start))
        n = self.completion_length
        for name in ("token_weights", "old_logprobs", "ref_logprobs"):
            got = len(getattr(self, name))
            if got not in (0, n):
                raise ValueError("%s has %d entries; give one per completion token (%d) or none" % (name, got, n))

    @property
    def completion_length(self):
        return len(self.tokens) - self.completion_start


@dataclass(frozen=True)
class Objective:
    """The loss and its options, as the worker protocol's `objective` names them. `kernel_code` is a .py file whose
    `kernel_function(batch, **options)` replaces the bundled loss."""

    loss: str = "sft"
    eps_low: float = 0.2
    eps_high: float = 0.2
    kl_coef: float = 0.0
    averaging: str = "token"
    max_length: int = 0
    gamma_percentile: float = 0.9
    beta: float = 0.1
    kernel_code: str = ""
    kernel_function: str = "loss"

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError("objective.loss must be one of %s, got %r" % (", ".join(LOSSES), self.loss))
        if self.averaging not in AVERAGING:
            raise ValueError("objective.averaging must be one of %s, got %r" % (", ".join(AVERAGING), self.averaging))
        if self.kernel_code and not os.path.isfile(self.kernel_code):
            raise ValueError("objective.kernel_code %r is not a file; give the path of a .py kernel" % (self.kernel_code,))

    def kernel_options(self):
        """The keyword arguments a kernel receives (the JVM's Objective.kernelOptions)."""
        o = {"eps_low": self.eps_low, "eps_high": self.eps_high, "kl_coef": self.kl_coef, "averaging": self.averaging,
             "max_length": self.max_length, "gamma_percentile": self.gamma_percentile}
        if self.loss == "dpo":
            o["beta"] = self.beta
        return o


@dataclass(frozen=True)
class StepMetrics:
    loss: float
    grad_norm: float
    learning_rate: float
    tokens: int
    monitors: dict = field(default_factory=dict)


def _kernel(objective):
    if not objective.kernel_code:
        return engine.resolve("autodidact.kernels.losses", objective.loss)
    spec = importlib.util.spec_from_file_location("autodidact_user_kernel", objective.kernel_code)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, objective.kernel_function, None)
    if not callable(fn):
        raise ValueError("%s defines no function %s(batch, **options)" % (objective.kernel_code, objective.kernel_function))
    return fn


class Trainer:
    """AdamW on a model's parameters; `step` takes one optimizer step on a list of TrainRows."""

    def __init__(self, model, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, grad_clip=1.0):
        if not grad_clip >= 0:
            raise ValueError("grad_clip must be >= 0 (0 disables it), got %r" % (grad_clip,))
        xp_torch.bind()
        self.model = model
        self.grad_clip = grad_clip
        params = [p for p in model.parameters() if p.requires_grad]
        groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
        self.optimizer = torch.optim.AdamW([g for g in groups if g["params"]], lr=0.0, betas=betas, eps=eps)
        self._kernels = {}

    def step(self, rows, objective, learning_rate, micro_batch_size=16):
        if not rows:
            raise ValueError("a training step needs at least one row")
        if micro_batch_size < 1:
            raise ValueError("micro_batch_size must be >= 1, got %r" % (micro_batch_size,))
        fn = self._kernels.get(objective)
        if fn is None:
            fn = self._kernels[objective] = _kernel(objective)
        if isinstance(fn, str):
            raise ValueError(fn)
        options = json.dumps(objective.kernel_options())
        tokens = sum(r.completion_length for r in rows)
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        loss, monitors = 0.0, {}
        for start in range(0, len(rows), micro_batch_size):
            micro = rows[start:start + micro_batch_size]
            args = self._batch(micro)
            out, flat = engine.call(fn, *args, tokens, len(rows), options, *self._row_extras(micro))
            out.backward()
            loss += float(out.detach())
            share = len(micro) / len(rows)
            for i in range(0, len(flat), 2):
                monitors[flat[i]] = monitors.get(flat[i], 0.0) + flat[i + 1] * share
        params = [p for g in self.optimizer.param_groups for p in g["params"]]
        norm = torch.nn.utils.clip_grad_norm_(params, self.grad_clip if self.grad_clip > 0 else float("inf"))
        for g in self.optimizer.param_groups:
            g["lr"] = learning_rate
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return StepMetrics(loss, float(norm), learning_rate, tokens, monitors)

    def _batch(self, rows):
        """logits [b, T, V] (float32), targets [b, T, 1], mask [b, T], advantages [b, 1], old and reference log-probabilities
        [b, T] or None, T = the longest row - 1; position j predicts token j + 1."""
        device = self.model.lm_head.weight.device
        b, width = len(rows), max(len(r.tokens) for r in rows)
        ids = torch.zeros(b, width, dtype=torch.long)
        mask = torch.zeros(b, width - 1)
        old = torch.zeros(b, width - 1) if any(r.old_logprobs for r in rows) else None
        ref = torch.zeros(b, width - 1) if any(r.ref_logprobs for r in rows) else None
        for i, r in enumerate(rows):
            ids[i, :len(r.tokens)] = torch.tensor(r.tokens)
            at, n = r.completion_start - 1, r.completion_length
            mask[i, at:at + n] = torch.tensor(r.token_weights) if r.token_weights else 1.0
            if old is not None and r.old_logprobs:
                old[i, at:at + n] = torch.tensor(r.old_logprobs)
            if ref is not None and r.ref_logprobs:
                ref[i, at:at + n] = torch.tensor(r.ref_logprobs)
        ids = ids.to(device)
        logits = self.model(ids)[:, :-1].float()
        advantages = torch.tensor([[r.weight] for r in rows], dtype=torch.float32)
        to = lambda t: None if t is None else t.to(device)
        return logits, ids[:, 1:, None], to(mask), to(advantages), to(old), to(ref)

    def _row_extras(self, rows):
        """off_policy and kl_weights [b, 1], each None when no row needs it."""
        device = self.model.lm_head.weight.device
        off = torch.tensor([[1.0 if r.off_policy else 0.0] for r in rows], device=device) if any(r.off_policy for r in rows) else None
        klw = torch.tensor([[float(r.kl_weight)] for r in rows], device=device) if any(r.kl_weight != 1 for r in rows) else None
        return off, klw

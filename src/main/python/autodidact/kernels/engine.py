"""The engine's side of kernel calls (not for kernels to import): binds the array bridge, resolves kernel
functions and turns the engine's arrays into a `Batch` for them.

A kernel is `def my_loss(batch, **options)` returning a scalar Array, or `(loss, monitors)` with monitors a
dict of floats (or scalar Arrays) the engine averages over the step and reports. `call` hands them back as a flat list
[name, value, name, value, ...].
"""
import importlib
import json

from autodidact.kernels import xp


def bind(bridge):
    xp.bind(bridge)


def resolve(module, function):
    """The callable `module.function`, or an error message naming what is missing."""
    try:
        mod = importlib.import_module(module)
    except SyntaxError as e:
        return "%s line %s: SyntaxError: %s" % (e.filename, e.lineno, e.msg)
    except Exception as e:
        return "importing kernel module %s failed: %s: %s" % (module, type(e).__name__, e)
    fn = getattr(mod, function, None)
    if not callable(fn):
        return "kernel module %s defines no function %s(batch, **options)" % (module, function)
    return fn


class Batch:
    """One micro-batch of the engine, positions aligned with the predicted tokens (T = sequence length - 1).

    logits      [B, T, V] float32, the model's output before softmax (gradients flow into it)
    targets     [B, T, 1] int64, the token each position predicts (ready for take_along_axis)
    mask        [B, T]    float32, the completion tokens' weights: 1 (or the row's token weight), 0 on prompt/padding
    advantages  [B, 1]    float32, each row's weight: its advantage for RL, 1 (or the given weight) for SFT
    old_logp    [B, T]    float32, log-probabilities under the sampling policy, or None
    ref_logp    [B, T]    float32, log-probabilities under the reference policy, or None
    off_policy  [B, 1]    float32, 1 on rows sampled off-policy (Guide's hinted samples), 0 elsewhere; None when none is
    total_tokens, total_sequences: counts over the whole optimizer step (all micro-batches), so that a loss
        divided by them is the same however the step is split
    kl_weights  [B, 1]    float32, each row's multiplier of kl_coef, or None when every row's is 1
    """

    __slots__ = ("logits", "targets", "mask", "advantages", "old_logp", "ref_logp", "total_tokens", "total_sequences", "off_policy",
                 "kl_weights")

    def __init__(self, logits, targets, mask, advantages, old_logp, ref_logp, total_tokens, total_sequences, off_policy=None,
                 kl_weights=None):
        self.logits = xp.Array(logits)
        self.targets = xp.Array(targets)
        self.mask = xp.Array(mask)
        self.advantages = xp.Array(advantages)
        self.old_logp = None if old_logp is None else xp.Array(old_logp)
        self.ref_logp = None if ref_logp is None else xp.Array(ref_logp)
        self.total_tokens = int(total_tokens)
        self.total_sequences = int(total_sequences)
        self.off_policy = None if off_policy is None else xp.Array(off_policy)
        self.kl_weights = None if kl_weights is None else xp.Array(kl_weights)

    def token_logp(self):
        """log p(target) at every position, [B, T]."""
        lp = xp.take_along_axis(xp.log_softmax(self.logits, axis=-1), self.targets, axis=-1)
        return xp.squeeze(lp, -1)


_options = {}  # options JSON -> parsed dict: a run sends the same few objectives every step


def _parsed(options_json):
    options = _options.get(options_json)
    if options is None:
        options = _options[options_json] = json.loads(options_json)
    return options


def call(fn, logits, targets, mask, advantages, old_logp, ref_logp, total_tokens, total_sequences, options_json, off_policy=None,
         kl_weights=None):
    batch = Batch(logits, targets, mask, advantages, old_logp, ref_logp, total_tokens, total_sequences, off_policy, kl_weights)
    out = fn(batch, **_parsed(options_json))
    monitors = {}
    if isinstance(out, tuple):
        out, monitors = out
    if not isinstance(out, xp.Array):
        raise TypeError("a kernel returns a scalar xp Array (or (loss, monitors)), got %s" % type(out).__name__)
    # Names and values side by side, read by the host directly: no JSON to write here and parse there every step.
    flat = []
    for k, v in monitors.items():
        flat.append(str(k))
        flat.append(float(v))
    return [out._h, flat]


def apply(fn, options_json, *args):
    """Calls any kernel function on arrays from the host (tests, benchmarks): host arrays become xp Arrays, an
    Array result (or the first element of a tuple) goes back as a host array, a number as a float."""
    wrapped = [a if a is None or isinstance(a, (bool, int, float, str)) else xp.Array(a) for a in args]
    out = fn(*wrapped, **_parsed(options_json))
    if isinstance(out, tuple):
        out = out[0]
    return out._h if isinstance(out, xp.Array) else float(out)

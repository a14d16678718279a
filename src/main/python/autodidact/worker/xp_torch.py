"""The array namespace `autodidact.kernels.xp` on PyTorch tensors, for the GPU worker.

`xp` reaches its arrays through a bridge object: in the JVM that is `ArrayBridge` (DJL NDArrays through GraalPy host
interop); here it is `TorchBridge`, the same operations on torch tensors, so the kernel files in autodidact/kernels/
run unchanged and autograd records them like any torch code. Select it once per process:

    from autodidact.worker import xp_torch
    xp_torch.bind()                       # xp now computes on torch tensors

Every method mirrors the one of the same name in io.autodidact.engine.djl.kernels.ArrayBridge, including its
definitions (a masked mean is sum(x * m) / max(sum(m broadcast to x), 1); scalars are 0-d tensors of the array's
floating type), so the two give the same numbers; KernelTorchParityTest checks that they do.
"""
import torch

from autodidact.kernels import engine, xp

_ALL = -999  # "every axis", as xp sends it

_DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "int32": torch.int32,
    "bool": torch.bool, "boolean": torch.bool, "bfloat16": torch.bfloat16, "float16": torch.float16,
}
# DJL's DataType names, which kernels compare against (e.g. `mask.dtype == "boolean"`).
_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.int32: "int32",
          torch.bool: "boolean", torch.bfloat16: "bfloat16", torch.float16: "float16", torch.uint8: "uint8",
          torch.int8: "int8"}


def bind():
    """Makes `autodidact.kernels.xp` compute on torch tensors in this process."""
    engine.bind(TorchBridge())


def _float_type(a):
    return a.dtype if a.dtype.is_floating_point else torch.float32


def _scalar(a, s):
    # A 0-d tensor rather than a Python number: the same operation (and the same gradient at ties, for maximum and
    # minimum) as ArrayBridge, whose scalars are float32 arrays.
    return torch.full((), float(s), dtype=_float_type(a), device=a.device)


def _weights(mask):
    return mask.to(torch.float32) if mask.dtype == torch.bool else mask


def _index_part(text):
    text = text.strip()
    if text == "...":
        return Ellipsis
    if text == "new":
        return None
    if ":" in text:
        lo, hi = text.split(":", 1)
        return slice(int(lo) if lo.strip() else None, int(hi) if hi.strip() else None)
    return int(text)


class TorchBridge:
    """ArrayBridge's operations on torch tensors (see the module docstring)."""

    # ------------------------------------------------------------------ arithmetic
    def add(self, a, b): return a + b
    def sub(self, a, b): return a - b
    def mul(self, a, b): return a * b
    def div(self, a, b): return a / b
    def pow(self, a, b): return torch.pow(a, b)
    def addScalar(self, a, s): return a + _scalar(a, s)
    def subScalar(self, a, s): return a - _scalar(a, s)
    def rsubScalar(self, a, s): return -a + _scalar(a, s)
    def mulScalar(self, a, s): return a * _scalar(a, s)
    def divScalar(self, a, s): return a / _scalar(a, s)
    def rdivScalar(self, a, s): return _scalar(a, s) / a
    def powScalar(self, a, s): return torch.pow(a, _scalar(a, s))
    def neg(self, a): return -a

    # ------------------------------------------------------------------ elementwise
    def exp(self, a): return torch.exp(a)
    def log(self, a): return torch.log(a)
    def log1p(self, a): return torch.log1p(a)
    def abs(self, a): return torch.abs(a)
    def sqrt(self, a): return torch.sqrt(a)
    def sigmoid(self, a): return torch.sigmoid(a)
    def clip(self, a, lo, hi): return torch.clamp(a, float(lo), float(hi))
    def maximum(self, a, b): return torch.maximum(a, b)
    def minimum(self, a, b): return torch.minimum(a, b)
    def maximumScalar(self, a, s): return torch.maximum(a, _scalar(a, s))
    def minimumScalar(self, a, s): return torch.minimum(a, _scalar(a, s))
    def where(self, condition, a, b): return torch.where(condition.to(torch.bool), a, b)

    # ------------------------------------------------------------------ comparisons and logic
    def gt(self, a, b): return a > b
    def ge(self, a, b): return a >= b
    def lt(self, a, b): return a < b
    def le(self, a, b): return a <= b
    def gtScalar(self, a, s): return a > float(s)
    def geScalar(self, a, s): return a >= float(s)
    def ltScalar(self, a, s): return a < float(s)
    def leScalar(self, a, s): return a <= float(s)
    def logicalAnd(self, a, b): return torch.logical_and(a, b)
    def logicalOr(self, a, b): return torch.logical_or(a, b)
    def logicalNot(self, a): return torch.logical_not(a)

    # ------------------------------------------------------------------ reductions
    def sum(self, a, axis, keepdims):
        if axis == _ALL:
            return a.sum(dim=tuple(range(a.dim())), keepdim=True) if keepdims else a.sum()
        return a.sum(dim=int(axis), keepdim=bool(keepdims))

    def mean(self, a, axis, keepdims):
        if axis == _ALL:
            return a.mean(dim=tuple(range(a.dim())), keepdim=True) if keepdims else a.mean()
        return a.mean(dim=int(axis), keepdim=bool(keepdims))

    def max(self, a, axis, keepdims):
        if axis == _ALL:
            return a.amax(dim=tuple(range(a.dim())), keepdim=True) if keepdims else a.max()
        return a.amax(dim=int(axis), keepdim=bool(keepdims))

    def maskedSum(self, x, mask, axis, keepdims):
        return self.sum(x * _weights(mask), axis, keepdims)

    def maskedMean(self, x, mask, axis, keepdims):
        m = _weights(mask)
        count = m if m.shape == x.shape else m * torch.ones_like(x)
        return self.sum(x * m, axis, keepdims) / torch.clamp(self.sum(count, axis, keepdims), min=1.0)

    def quantile(self, a, mask, q):
        """The q quantile of a's entries where mask > 0 (linear interpolation), detached; NaN when none is selected."""
        values = a.detach().to(torch.float64)
        kept = values[torch.broadcast_to(mask, a.shape) > 0]
        if kept.numel() == 0:
            return torch.full((), float("nan"), dtype=torch.float32, device=a.device)
        return torch.quantile(kept, float(q)).to(torch.float32)

    # ------------------------------------------------------------------ softmax, indexing, shape
    def logSoftmax(self, a, axis): return torch.log_softmax(a, dim=int(axis))
    def softmax(self, a, axis): return torch.softmax(a, dim=int(axis))
    def takeAlongAxis(self, a, indices, axis): return torch.gather(a, int(axis), indices.to(torch.int64))

    def get(self, a, index):
        return a[tuple(_index_part(p) for p in index.split(","))]

    def expandDims(self, a, axis): return a.unsqueeze(int(axis))
    def squeeze(self, a, axis): return a.squeeze(int(axis))
    def reshape(self, a, shape): return a.reshape(tuple(int(d) for d in shape.split(",")))

    def fullLike(self, a, value):
        return torch.full(a.shape, float(value), dtype=_float_type(a), device=a.device)

    def astype(self, a, dtype):
        t = _DTYPES.get(str(dtype).lower())
        if t is None:
            raise ValueError('astype: unknown dtype "%s"; use float32, float64, int64, int32 or bool' % dtype)
        return a.to(t)

    def stopGradient(self, a): return a.detach()

    # ------------------------------------------------------------------ inspection
    def shape(self, a): return ",".join(str(d) for d in a.shape)
    def dtype(self, a): return _NAMES.get(a.dtype, str(a.dtype).replace("torch.", ""))
    def item(self, a): return float(a.detach().to(torch.float64).item())

"""A small array namespace for training kernels: a subset of the Python array API over DJL NDArrays.

Kernels import it as `from autodidact.kernels import xp` and write ordinary tensor code:

    logp = xp.take_along_axis(xp.log_softmax(logits, axis=-1), targets, axis=-1)
    loss = -xp.sum(logp * mask) / n

Every operation is one call into the JVM's array bridge (io.autodidact.engine.djl.kernels.ArrayBridge), which runs
it on libtorch through DJL; while the engine trains, libtorch's autograd records it, so gradients flow back to the
model through anything written here. Scalars mix with arrays as in NumPy (`1 - x`, `x * 0.5`); comparisons give
boolean arrays for `where`. Reductions take `axis` (an int, or None for all) and an optional `mask`.

Functions: asarray-free by design (arrays come from the engine); exp, log, log1p, abs, sqrt, square, sigmoid,
where, clip, maximum, minimum, sum, mean, max, std, var, log_softmax, softmax, take_along_axis, expand_dims,
reshape, astype, stop_gradient, zeros_like, ones_like, full_like, item, quantile.
"""

_bridge = None  # set once per context by autodidact.kernels.engine.bind()


def bind(bridge):
    """Installs the host array bridge (called by the engine, never by kernels)."""
    global _bridge
    _bridge = bridge


class Array:
    """One NDArray of the engine. Arithmetic, comparisons, indexing and reductions return new Arrays."""

    __slots__ = ("_h",)

    def __init__(self, handle):
        self._h = handle

    # ------------------------------------------------------------- properties
    @property
    def shape(self):
        text = _bridge.shape(self._h)
        return tuple(int(d) for d in text.split(",")) if text else ()

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def dtype(self):
        return _bridge.dtype(self._h)

    def __len__(self):
        return self.shape[0]

    def __float__(self):
        return float(_bridge.item(self._h))

    def item(self):
        return float(self)

    def __repr__(self):
        return "Array(shape=%s, dtype=%s)" % (self.shape, self.dtype)

    def __bool__(self):
        raise TypeError("the truth value of an Array is ambiguous; use xp.where or float(...)")

    # ------------------------------------------------------------- arithmetic
    # Each operator calls its bridge method by name at its own call site: GraalPy then compiles every crossing for the
    # one host method it reaches, where a shared `getattr(_bridge, name)` helper looked the method up on every call.
    def __add__(self, other):
        if isinstance(other, Array):
            return Array(_bridge.add(self._h, other._h))
        return Array(_bridge.addScalar(self._h, float(other)))

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, Array):
            return Array(_bridge.sub(self._h, other._h))
        return Array(_bridge.subScalar(self._h, float(other)))

    def __rsub__(self, other):
        return Array(_bridge.rsubScalar(self._h, float(other)))

    def __mul__(self, other):
        if isinstance(other, Array):
            return Array(_bridge.mul(self._h, other._h))
        return Array(_bridge.mulScalar(self._h, float(other)))

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Array):
            return Array(_bridge.div(self._h, other._h))
        return Array(_bridge.divScalar(self._h, float(other)))

    def __rtruediv__(self, other):
        return Array(_bridge.rdivScalar(self._h, float(other)))

    def __pow__(self, other):
        if isinstance(other, Array):
            return Array(_bridge.pow(self._h, other._h))
        return Array(_bridge.powScalar(self._h, float(other)))

    def __neg__(self):
        return Array(_bridge.neg(self._h))

    def __pos__(self):
        return self

    def __abs__(self):
        return Array(_bridge.abs(self._h))

    # ------------------------------------------------------------- comparisons (boolean arrays)
    def __gt__(self, other):
        if isinstance(other, Array):
            return Array(_bridge.gt(self._h, other._h))
        return Array(_bridge.gtScalar(self._h, float(other)))

    def __ge__(self, other):
        if isinstance(other, Array):
            return Array(_bridge.ge(self._h, other._h))
        return Array(_bridge.geScalar(self._h, float(other)))

    def __lt__(self, other):
        if isinstance(other, Array):
            return Array(_bridge.lt(self._h, other._h))
        return Array(_bridge.ltScalar(self._h, float(other)))

    def __le__(self, other):
        if isinstance(other, Array):
            return Array(_bridge.le(self._h, other._h))
        return Array(_bridge.leScalar(self._h, float(other)))

    def __and__(self, other):
        return Array(_bridge.logicalAnd(self._h, other._h))

    def __or__(self, other):
        return Array(_bridge.logicalOr(self._h, other._h))

    def __invert__(self):
        return Array(_bridge.logicalNot(self._h))

    # ------------------------------------------------------------- indexing (ints, slices without step, ..., None)
    def __getitem__(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        parts = []
        for k in key:
            if k is Ellipsis:
                parts.append("...")
            elif k is None:
                parts.append("new")
            elif isinstance(k, slice):
                if k.step not in (None, 1):
                    raise IndexError("slices with a step are not supported")
                parts.append("%s:%s" % ("" if k.start is None else int(k.start), "" if k.stop is None else int(k.stop)))
            else:
                parts.append(str(int(k)))
        return Array(_bridge.get(self._h, ", ".join(parts)))

    # ------------------------------------------------------------- methods mirroring the functions
    def sum(self, axis=None, keepdims=False, mask=None):
        return sum(self, axis=axis, keepdims=keepdims, mask=mask)

    def mean(self, axis=None, keepdims=False, mask=None):
        return mean(self, axis=axis, keepdims=keepdims, mask=mask)

    def astype(self, dtype):
        return astype(self, dtype)


# ----------------------------------------------------------------- elementwise
def exp(x):
    return Array(_bridge.exp(x._h))


def log(x):
    return Array(_bridge.log(x._h))


def log1p(x):
    return Array(_bridge.log1p(x._h))


def abs(x):  # noqa: A001 - the array API's name
    return Array(_bridge.abs(x._h))


def sqrt(x):
    return Array(_bridge.sqrt(x._h))


def square(x):
    return x * x


def sigmoid(x):
    return Array(_bridge.sigmoid(x._h))


def log_sigmoid(x):
    """log(1 / (1 + exp(-x))), computed stably as min(x, 0) - log1p(exp(-|x|))."""
    return minimum(x, 0.0) - log1p(exp(-abs(x)))


def where(condition, a, b):
    """a where condition holds, else b; a and b may be scalars."""
    return Array(_bridge.where(condition._h, _full_for(a, condition, b), _full_for(b, condition, a)))


def _full_for(value, condition, other):
    if isinstance(value, Array):
        return value._h
    like = other._h if isinstance(other, Array) else _bridge.astype(condition._h, "float32")
    return _bridge.fullLike(like, float(value))


def clip(x, min=None, max=None):  # noqa: A002 - the array API's names
    """x limited to [min, max]; the gradient is zero where x lies outside."""
    lo = -3.4e38 if min is None else float(min)
    hi = 3.4e38 if max is None else float(max)
    return Array(_bridge.clip(x._h, lo, hi))


def maximum(a, b):
    if not isinstance(a, Array):
        a, b = b, a
    if isinstance(b, Array):
        return Array(_bridge.maximum(a._h, b._h))
    return Array(_bridge.maximumScalar(a._h, float(b)))


def minimum(a, b):
    if not isinstance(a, Array):
        a, b = b, a
    if isinstance(b, Array):
        return Array(_bridge.minimum(a._h, b._h))
    return Array(_bridge.minimumScalar(a._h, float(b)))


def astype(x, dtype):
    """dtype: 'float32', 'float64', 'int64', 'int32' or 'bool'."""
    return Array(_bridge.astype(x._h, str(dtype)))


def stop_gradient(x):
    """x without its autograd history: a constant for the optimizer (e.g. a baseline or a monitor)."""
    return Array(_bridge.stopGradient(x._h))


def zeros_like(x):
    return full_like(x, 0.0)


def ones_like(x):
    return full_like(x, 1.0)


def full_like(x, value):
    return Array(_bridge.fullLike(x._h, float(value)))


def item(x):
    return float(x)


def quantile(x, q, mask=None):
    """The q quantile of x's entries (those where mask > 0), linear interpolation as torch.quantile; a detached scalar,
    NaN when the mask selects nothing."""
    m = mask._h if isinstance(mask, Array) else _bridge.fullLike(x._h, 1.0)
    return Array(_bridge.quantile(x._h, m, float(q)))


# ----------------------------------------------------------------- shape
def expand_dims(x, axis):
    return Array(_bridge.expandDims(x._h, int(axis)))


def squeeze(x, axis):
    return Array(_bridge.squeeze(x._h, int(axis)))


def reshape(x, shape):
    return Array(_bridge.reshape(x._h, ",".join(str(int(d)) for d in shape)))


# ----------------------------------------------------------------- reductions
_ALL = -999  # "every axis", as the bridge takes it; `_ALL if axis is None else int(axis)` below is spelled out in each
# reduction rather than put in a helper: until GraalPy has compiled a kernel, every Python call costs microseconds.


def sum(x, axis=None, keepdims=False, mask=None):  # noqa: A001 - the array API's name
    """Sum over `axis` (all when None); with `mask`, of x * mask (mask broadcasts against x)."""
    if mask is not None:
        return Array(_bridge.maskedSum(x._h, mask._h, _ALL if axis is None else int(axis), bool(keepdims)))
    return Array(_bridge.sum(x._h, _ALL if axis is None else int(axis), bool(keepdims)))


def count(mask, axis=None, keepdims=False):
    """How many entries of a mask are set (or the sum of its weights)."""
    m = astype(mask, "float32") if mask.dtype == "boolean" else mask
    return sum(m, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False, mask=None):
    """Mean over `axis`; with `mask`, sum(x * mask) / max(sum(mask), 1), so empty rows give 0, never NaN."""
    if mask is None:
        return Array(_bridge.mean(x._h, _ALL if axis is None else int(axis), bool(keepdims)))
    # One bridge call (ArrayBridge.maskedMean) rather than eight: monitors take several masked means per step.
    return Array(_bridge.maskedMean(x._h, mask._h, _ALL if axis is None else int(axis), bool(keepdims)))


def max(x, axis=None, keepdims=False):  # noqa: A001 - the array API's name
    return Array(_bridge.max(x._h, _ALL if axis is None else int(axis), bool(keepdims)))


def var(x, axis=None, keepdims=False, correction=0, mask=None):
    """Variance with `correction` subtracted from the count (0: population, 1: sample)."""
    mu = mean(x, axis=axis, keepdims=True, mask=mask)
    d = square(x - mu)
    if mask is None:
        n = float(x.shape[axis] if axis is not None else _numel(x))
        return sum(d, axis=axis, keepdims=keepdims) / (n - correction if n > correction else 1.0)
    m = astype(mask, "float32") if mask.dtype == "boolean" else mask
    n = sum(m * ones_like(x), axis=axis, keepdims=keepdims)
    return sum(d * m, axis=axis, keepdims=keepdims) / maximum(n - correction, 1.0)


def std(x, axis=None, keepdims=False, correction=0, mask=None):
    return sqrt(var(x, axis=axis, keepdims=keepdims, correction=correction, mask=mask))


def _numel(x):
    n = 1
    for d in x.shape:
        n *= d
    return n


# ----------------------------------------------------------------- softmax and indexing
def log_softmax(x, axis=-1):
    return Array(_bridge.logSoftmax(x._h, int(axis)))


def softmax(x, axis=-1):
    return Array(_bridge.softmax(x._h, int(axis)))


def take_along_axis(x, indices, axis=-1):
    """x[..., indices[...], ...] along `axis`; indices (int64) have x's rank."""
    return Array(_bridge.takeAlongAxis(x._h, indices._h, int(axis)))

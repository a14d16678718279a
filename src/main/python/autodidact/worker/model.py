"""The Llama, Qwen2 and Qwen3 families on PyTorch, from Hugging Face checkpoint directories (config.json + safetensors).

    model = load("/models/qwen3-0.6b")                 # float32 on CPU, bfloat16 on CUDA
    logits = model(ids)                                # ids [B, T] -> [B, T, V]

Parameter names are Hugging Face's (model.layers.0.self_attn.q_proj.weight, ...), so checkpoints load and save as they
are. The families differ only in switches: Qwen2 adds q/k/v biases, Qwen3 an RMSNorm over each head of q and k and a
head_dim of its own; Llama 3.1's rope scaling is supported. The forward pass also drives generation: with a KVCache it
writes each row's keys and values at that row's positions and attends over the filled prefix only (see forward).
"""
import json
import math
import os
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from autodidact.worker import safetensors

FAMILIES = ("llama", "qwen2", "qwen3")


@dataclass(frozen=True)
class ModelConfig:
    """What a config.json says about the architecture; validated at construction."""

    model_type: str
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    max_position_embeddings: int
    rms_norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    rope_scaling: tuple = ()  # () for default rotary frequencies, else (factor, low_freq_factor, high_freq_factor, original context)
    tie_word_embeddings: bool = False
    attention_bias: bool = False

    def __post_init__(self):
        if self.model_type not in FAMILIES:
            raise ValueError("model_type %r is not supported; use one of %s" % (self.model_type, ", ".join(FAMILIES)))
        for name in ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                     "num_key_value_heads", "head_dim", "max_position_embeddings"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError("%s must be a positive integer, got %r" % (name, getattr(self, name)))
        if self.num_attention_heads % self.num_key_value_heads:
            raise ValueError("num_attention_heads (%d) must be a multiple of num_key_value_heads (%d)"
                             % (self.num_attention_heads, self.num_key_value_heads))
        if self.head_dim % 2:
            raise ValueError("head_dim must be even for rotary positions, got %d" % self.head_dim)
        if not self.rope_theta > 0:
            raise ValueError("rope_theta must be > 0, got %r" % (self.rope_theta,))
        if self.rope_scaling and len(self.rope_scaling) != 4:
            raise ValueError("rope_scaling must be () or (factor, low_freq_factor, high_freq_factor, original context)")

    @property
    def qk_norm(self):
        return self.model_type == "qwen3"

    @staticmethod
    def from_dict(d, source="config.json"):
        model_type = d.get("model_type")
        if model_type not in FAMILIES:
            raise ValueError("%s: model_type %r is not supported; this worker implements %s" % (source, model_type, ", ".join(FAMILIES)))
        missing = [k for k in ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads")
                   if k not in d]
        if missing:
            raise ValueError("%s: missing %s" % (source, ", ".join(missing)))
        # transformers 5 writes rope_parameters {rope_theta, rope_type, ...}; older checkpoints rope_theta and rope_scaling.
        rope = d.get("rope_parameters") if isinstance(d.get("rope_parameters"), dict) else (d.get("rope_scaling") or {})
        field = "rope_parameters" if isinstance(d.get("rope_parameters"), dict) else "rope_scaling"
        theta = rope.get("rope_theta", d.get("rope_theta", 10000.0))
        kind = rope.get("rope_type", rope.get("type", "default"))
        if kind == "default":
            scaling = ()
        elif kind == "llama3":
            scaling = (float(rope["factor"]), float(rope["low_freq_factor"]), float(rope["high_freq_factor"]),
                       int(rope["original_max_position_embeddings"]))
        else:
            raise ValueError("%s: %s.rope_type %r is not supported; only default and llama3" % (source, field, kind))
        heads = int(d["num_attention_heads"])
        return ModelConfig(
            model_type=model_type,
            vocab_size=int(d["vocab_size"]),
            hidden_size=int(d["hidden_size"]),
            intermediate_size=int(d["intermediate_size"]),
            num_hidden_layers=int(d["num_hidden_layers"]),
            num_attention_heads=heads,
            num_key_value_heads=int(d.get("num_key_value_heads") or heads),
            head_dim=int(d.get("head_dim") or int(d["hidden_size"]) // heads),
            max_position_embeddings=int(d.get("max_position_embeddings", 2048)),
            rms_norm_eps=float(d.get("rms_norm_eps", 1e-6)),
            rope_theta=float(theta),
            rope_scaling=scaling,
            tie_word_embeddings=bool(d.get("tie_word_embeddings", False)),
            attention_bias=model_type == "qwen2" or bool(d.get("attention_bias", False)),
        )

    def to_dict(self):
        """config.json for this architecture, as transformers reads it."""
        arch = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM"}[self.model_type]
        d = {"architectures": [arch], "model_type": self.model_type, "vocab_size": self.vocab_size,
             "hidden_size": self.hidden_size, "intermediate_size": self.intermediate_size,
             "num_hidden_layers": self.num_hidden_layers, "num_attention_heads": self.num_attention_heads,
             "num_key_value_heads": self.num_key_value_heads, "head_dim": self.head_dim,
             "max_position_embeddings": self.max_position_embeddings, "rms_norm_eps": self.rms_norm_eps,
             "rope_theta": self.rope_theta, "tie_word_embeddings": self.tie_word_embeddings, "hidden_act": "silu"}
        if self.model_type == "llama":
            d["attention_bias"] = self.attention_bias
        if self.rope_scaling:
            f, lo, hi, ctx = self.rope_scaling
            d["rope_scaling"] = {"rope_type": "llama3", "factor": f, "low_freq_factor": lo, "high_freq_factor": hi,
                                 "original_max_position_embeddings": ctx}
        return d


def inv_freq(config):
    """The rotary inverse frequencies [head_dim / 2], as transformers computes them (llama3: _compute_llama3_parameters)."""
    d = config.head_dim
    f = 1.0 / (config.rope_theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    if not config.rope_scaling:
        return f
    factor, low, high, context = config.rope_scaling
    low_wavelen, high_wavelen = context / low, context / high
    wavelen = 2 * math.pi / f
    scaled = torch.where(wavelen > low_wavelen, f / factor, f)
    smooth = (context / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, scaled)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * xf.to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class KVCache:
    """Keys and values of `batch` rows for up to `length` positions: per layer [batch, kv_heads, length, head_dim], written
    in place by the forward pass. A row's entries beyond its current position are stale and never attended."""

    def __init__(self, config, batch, length, dtype, device):
        shape = (batch, config.num_key_value_heads, length, config.head_dim)
        self.batch, self.length = batch, length
        self.k = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(config.num_hidden_layers)]
        self.v = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(config.num_hidden_layers)]


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, self.heads * self.head_dim, bias=c.attention_bias)
        self.k_proj = nn.Linear(c.hidden_size, self.kv_heads * self.head_dim, bias=c.attention_bias)
        self.v_proj = nn.Linear(c.hidden_size, self.kv_heads * self.head_dim, bias=c.attention_bias)
        self.o_proj = nn.Linear(self.heads * self.head_dim, c.hidden_size, bias=False)
        if c.qk_norm:
            self.q_norm = RMSNorm(self.head_dim, c.rms_norm_eps)
            self.k_norm = RMSNorm(self.head_dim, c.rms_norm_eps)
        else:
            self.q_norm = self.k_norm = None

    def forward(self, x, cos, sin, positions, layer, cache, slots):
        n, t, _ = x.shape
        hd, kvh = self.head_dim, self.kv_heads
        rep = self.heads // kvh
        q = self.q_proj(x).view(n, t, self.heads, hd)
        k = self.k_proj(x).view(n, t, kvh, hd)
        v = self.v_proj(x).view(n, t, kvh, hd)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [n, heads, t, hd]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        key_positions = positions
        if cache is not None:
            rows = torch.arange(n, device=x.device) if slots is None else slots
            # Each row's new keys and values at that row's positions: [n, t] index pairs, [n, t, kvh, hd] values.
            cache.k[layer][rows[:, None], :, positions] = k.transpose(1, 2).to(cache.k[layer].dtype)
            cache.v[layer][rows[:, None], :, positions] = v.transpose(1, 2).to(cache.v[layer].dtype)
            if slots is None:
                # Decoding: attend over the filled prefix of the cache, up to the furthest row's position.
                filled = int(positions.max()) + 1
                k, v = cache.k[layer][:, :, :filled], cache.v[layer][:, :, :filled]
                key_positions = torch.arange(filled, device=x.device).expand(n, filled)
        s = k.shape[2]
        # Grouped-query attention without copying K/V: the rep query heads that share a KV head become rows of one
        # matmul against it, [n, kvh, rep * t, hd] @ [n, kvh, hd, s].
        scores = torch.matmul(q.reshape(n, kvh, rep * t, hd), k.transpose(-1, -2)) * (hd ** -0.5)
        hidden = key_positions[:, None, :] > positions[:, :, None]  # [n, t, s]: True where the key lies in the future
        scores = scores.view(n, kvh, rep, t, s).masked_fill(hidden[:, None, None], float("-inf")).view(n, kvh, rep * t, s)
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(v.dtype)
        out = torch.matmul(probs, v).view(n, self.heads, t, hd).transpose(1, 2).reshape(n, t, self.heads * hd)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, positions, layer, cache, slots):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, positions, layer, cache, slots)
        return x + self.mlp(self.post_attention_layernorm(x))


class Backbone(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)


class CausalLM(nn.Module):
    """A decoder-only language model of one of the supported families (parameter names as in transformers)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.model = Backbone(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight
        # Not a buffer: model.to(bfloat16) would round it, and rotary angles need float32.
        self._inv_freq = {}

    def forward(self, ids, positions=None, cache=None, slots=None, last=None):
        """Logits for ids [n, t] at `positions` [n, t] (default 0..t-1 on every row).

        Without a cache: causal attention within ids (training, scoring). With a cache and `slots` [n] (prefill): the rows
        start at position 0, attend within ids, and their keys and values fill cache rows `slots`. With a cache and no
        slots (decoding): ids has one row per cache row; each row's keys and values are written at its positions and
        it attends over every cache entry at or before them. `last` [n]: return only the logits at index last[i] of
        row i, [n, V] (the next-token distribution after a prompt of last[i] + 1 tokens).
        """
        n, t = ids.shape
        if positions is None:
            positions = torch.arange(t, device=ids.device).expand(n, t)
        # cos/sin of each row's positions, [n, 1, t, head_dim], computed as transformers does (float32, then cast).
        f = self._inv_freq.get(ids.device)
        if f is None:
            f = self._inv_freq[ids.device] = inv_freq(self.config).to(ids.device)
        freqs = positions[..., None].float() * f
        emb = torch.cat((freqs, freqs), dim=-1)
        x = self.model.embed_tokens(ids)
        cos, sin = emb.cos().to(x.dtype)[:, None], emb.sin().to(x.dtype)[:, None]
        for i, layer in enumerate(self.model.layers):
            x = layer(x, cos, sin, positions, i, cache, slots)
        if last is not None:
            x = x[torch.arange(n, device=ids.device), last]
        return self.lm_head(self.model.norm(x))

    def new_cache(self, batch, length):
        w = self.lm_head.weight
        return KVCache(self.config, batch, length, w.dtype, w.device)

    def hf_state_dict(self):
        """The parameters as a Hugging Face checkpoint names them (no lm_head.weight when tied)."""
        sd = dict(self.state_dict())
        if self.config.tie_word_embeddings:
            sd.pop("lm_head.weight", None)
        return sd


def default_device():
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def default_dtype(device):
    return torch.bfloat16 if torch.device(device).type == "cuda" else torch.float32


def read_config(directory):
    path = os.path.join(directory, "config.json")
    if not os.path.isfile(path):
        raise FileNotFoundError("%s has no config.json; point at a Hugging Face checkpoint directory" % directory)
    with open(path) as f:
        return ModelConfig.from_dict(json.load(f), path)


def load(directory, device=None, dtype=None):
    """The model in a checkpoint directory (config.json + model.safetensors or shards), on `device` (default CUDA when
    present, else CPU) in `dtype` (default bfloat16 on CUDA, float32 on CPU)."""
    config = read_config(directory)
    device = torch.device(device) if device is not None else default_device()
    dtype = dtype or default_dtype(device)
    model = CausalLM(config)
    # Tied checkpoints may still carry lm_head.weight, and older ones the rotary tables: neither is a parameter here.
    tensors = {k: v for k, v in safetensors.load_dir(directory).items()
               if not k.endswith("rotary_emb.inv_freq") and not (config.tie_word_embeddings and k == "lm_head.weight")}
    expected = set(model.hf_state_dict())
    missing, unexpected = sorted(expected - set(tensors)), sorted(set(tensors) - expected)
    if missing or unexpected:
        raise ValueError("%s does not match its config.json (%s): missing %s; unexpected %s"
                         % (directory, config.model_type, missing[:5] or "none", unexpected[:5] or "none"))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name in tensors:
                if tuple(tensors[name].shape) != tuple(p.shape):
                    raise ValueError("%s: tensor %s has shape %s; config.json implies %s"
                                     % (directory, name, tuple(tensors[name].shape), tuple(p.shape)))
                p.copy_(tensors[name])
    return model.to(device=device, dtype=dtype)


def save(model, directory):
    """Writes config.json and model.safetensors in the Hugging Face layout."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(model.config.to_dict(), f, indent=2)
    safetensors.save(os.path.join(directory, "model.safetensors"), model.hf_state_dict(), {"format": "pt"})

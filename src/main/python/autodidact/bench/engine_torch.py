#!/usr/bin/python3
"""PyTorch-eager baseline for `./autodidact bench engine`.

Trains and samples a small Llama-family model in plain PyTorch (no transformers) on CPython, with
the same model, data shapes and thread count the DJL side uses, and writes throughput numbers as
JSON. Stdlib + torch only; meant for Debian's python3-torch (1.13) with OpenBLAS
(scripts/bench-setup.sh installs both).

    /usr/bin/python3 engine_torch.py --json-out FILE [options]

Model: token embedding [V,H]; per layer RMSNorm -> GQA attention (q/k/v/o without bias, HF-style
rotary, causal softmax, scale 1/sqrt(head_dim)) -> residual -> RMSNorm -> SwiGLU MLP -> residual;
final RMSNorm; untied lm_head [V,H]. Init N(0, 0.02) for matrices, ones for norm weights.
"""

import os
import sys

# glibc malloc serves large blocks with mmap and, by default, raises that threshold only after such
# blocks are freed, so the same loop runs at different speeds depending on what ran before it
# (measured: naive sampling 165 tokens/s alone, 240 after training, 230 alone with this setting).
# Fixed thresholds make every phase reuse heap memory instead of page-faulting fresh mappings. glibc
# reads these only at process start, so re-exec once with them set. --no-malloc-env opts out.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "1073741824", "MALLOC_TRIM_THRESHOLD_": "1073741824"}
if "--no-malloc-env" not in sys.argv and any(os.environ.get(k) != v for k, v in MALLOC_ENV.items()):
    os.environ.update(MALLOC_ENV)
    os.execv(sys.executable, [sys.executable] + sys.argv)

# Best measured setting on 2 cores (shared/STACK.md): torch's own threads do the parallelism and
# OpenBLAS stays single-threaded. Must be set before torch (and so OpenBLAS) is loaded.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse
import json
import math
import platform
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------------------------------- model

class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return (xf * self.weight.float()).to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_tables(head_dim, context, theta=10000.0):
    """cos/sin [context, head_dim], HF layout: the frequencies repeated for both halves."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    t = torch.arange(context, dtype=torch.float32)
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


class Attention(nn.Module):
    def __init__(self, hidden, heads, kv_heads):
        super().__init__()
        assert hidden % heads == 0 and heads % kv_heads == 0
        self.heads, self.kv_heads = heads, kv_heads
        self.head_dim = hidden // heads
        self.rep = heads // kv_heads
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.q_proj = nn.Linear(hidden, heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(heads * self.head_dim, hidden, bias=False)

    def forward(self, x, cos, sin, pos=0, cache=None):
        """x [B,T,H] at absolute positions pos..pos+T-1. cache: (k [B,kvh,C,hd], v [B,kvh,C,hd]) or None."""
        B, T, _ = x.shape
        hd, kvh, rep = self.head_dim, self.kv_heads, self.rep
        q = self.q_proj(x).view(B, T, self.heads, hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, kvh, hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, kvh, hd).transpose(1, 2)
        c, s = cos[pos:pos + T], sin[pos:pos + T]
        q = q * c + rotate_half(q) * s
        k = k * c + rotate_half(k) * s
        if cache is not None:
            kc, vc = cache
            kc[:, :, pos:pos + T] = k
            vc[:, :, pos:pos + T] = v
            k, v = kc[:, :, :pos + T], vc[:, :, :pos + T]
        S = k.shape[2]
        # Grouped-query attention without copying k/v: query head h uses kv head h // rep (the
        # same pairing as repeating each kv head rep times), so fold the rep query heads of each
        # group into the row dimension: [B,kvh,rep*T,hd] @ [B,kvh,hd,S].
        qg = q.reshape(B, kvh, rep * T, hd)
        scores = torch.matmul(qg, k.transpose(-1, -2)) * self.scale  # [B,kvh,rep*T,S]
        if T > 1:
            qpos = torch.arange(pos, pos + T, device=x.device)
            mask = torch.arange(S, device=x.device)[None, :] > qpos[:, None]  # [T,S], True = hidden
            scores = scores.view(B, kvh, rep, T, S).masked_fill(mask, float("-inf")).view(B, kvh, rep * T, S)
        probs = torch.softmax(scores.float(), dim=-1).to(v.dtype)
        out = torch.matmul(probs, v)  # [B,kvh,rep*T,hd]
        out = out.view(B, self.heads, T, hd).transpose(1, 2).reshape(B, T, self.heads * hd)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, hidden, heads, kv_heads, intermediate):
        super().__init__()
        self.input_layernorm = RMSNorm(hidden)
        self.self_attn = Attention(hidden, heads, kv_heads)
        self.post_attention_layernorm = RMSNorm(hidden)
        self.mlp = MLP(hidden, intermediate)

    def forward(self, x, cos, sin, pos=0, cache=None):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, pos, cache)
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, kv_heads, intermediate, context, tie=False):
        super().__init__()
        self.context = context
        self.embed_tokens = nn.Embedding(vocab, hidden)
        self.layers = nn.ModuleList(Block(hidden, heads, kv_heads, intermediate) for _ in range(layers))
        self.norm = RMSNorm(hidden)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)
        cos, sin = rope_tables(hidden // heads, context)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, mean=0.0, std=0.02)
        if tie:  # one matrix for embedding and head, as SmolLM2 and Qwen's small models do
            self.lm_head.weight = self.embed_tokens.weight

    def forward(self, ids, pos=0, caches=None, last_only=False):
        """ids [B,T] -> logits [B,T,V] (or [B,V] with last_only). caches: one (k, v) per layer."""
        x = self.embed_tokens(ids)
        for i, layer in enumerate(self.layers):
            x = layer(x, self.rope_cos, self.rope_sin, pos, None if caches is None else caches[i])
        if last_only:
            x = x[:, -1]
        return self.lm_head(self.norm(x))

    def new_caches(self, batch):
        a = self.layers[0].self_attn
        shape = (batch, a.kv_heads, self.context, a.head_dim)
        dt = self.lm_head.weight.dtype
        return [(torch.zeros(shape, dtype=dt), torch.zeros(shape, dtype=dt)) for _ in self.layers]


# ---------------------------------------------------------------------------------- benchmarks

class CpuWatch:
    """Share of the machine's CPU time that other processes used while this one ran a phase.

    The benchmark machine is shared; near 0 means the numbers are clean, anything above ~0.1 means
    other work competed for the cores (torch's OpenMP threads slow down badly then) and the phase
    should be rerun."""

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        total = sum(v[:8])
        t = os.times()
        hz = os.sysconf("SC_CLK_TCK")
        return total - idle, total, (t.user + t.system) * hz

    def share(self):
        end = self._sample()
        if self.start is None or end is None or end[1] <= self.start[1]:
            return None
        busy, total, own = (e - s for e, s in zip(end, self.start))
        return round(max(0.0, (busy - own) / total), 4)


def peak_rss_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def train_bench(model, args, gen):
    """Random token batches fixed by seed: each batch draws [B, context+1] tokens; the model reads the
    first `context` and is scored on the next token at every one of those positions."""
    n = args.warmup_steps + args.train_steps
    data = torch.randint(0, args.vocab, (n, args.train_batch, args.context + 1), generator=gen)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    model.train()
    watch = CpuWatch()
    losses, times = [], []
    for step in range(n):
        t0 = time.perf_counter()
        batch = data[step]
        inp, tgt = batch[:, :-1], batch[:, 1:]
        logits = model(inp)
        loss = F.cross_entropy(logits.reshape(-1, args.vocab), tgt.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        lv = loss.item()
        dt = time.perf_counter() - t0
        losses.append(lv)
        if step >= args.warmup_steps:
            times.append(dt)
        log(f"train step {step + 1}/{n}{' (warmup)' if step < args.warmup_steps else ''}: "
            f"loss {lv:.4f}  {dt * 1000:.1f} ms")
    total = sum(times)
    tokens = args.train_batch * args.context * args.train_steps
    return {
        "torch_train_tokens_per_s": tokens / total,
        "torch_train_step_ms": 1000.0 * total / len(times),
        "torch_train_step_ms_median": 1000.0 * statistics.median(times),
        "torch_train_seconds": total,
        "torch_train_loss_first": losses[0],
        "torch_train_loss_last": losses[-1],
        "torch_train_foreign_cpu_share": watch.share(),
    }


def sample(logits, gen):
    """Temperature 1: draw from softmax(logits). logits [B,V] -> [B]."""
    probs = torch.softmax(logits.float(), dim=-1)
    return torch.multinomial(probs, 1, generator=gen).squeeze(1)


def generate_cached(model, prompts, new_tokens, gen):
    """Prefill the prompts into a preallocated KV cache, then one token per step. Returns [B, P+N]."""
    B, P = prompts.shape
    caches = model.new_caches(B)
    out = torch.empty(B, P + new_tokens, dtype=torch.long)
    out[:, :P] = prompts
    logits = model(prompts, pos=0, caches=caches, last_only=True)
    for i in range(new_tokens):
        tok = sample(logits, gen)
        out[:, P + i] = tok
        if i + 1 < new_tokens:  # the last sampled token is never fed back
            logits = model(tok[:, None], pos=P + i, caches=caches, last_only=True)
    return out


def generate_naive(model, prompts, new_tokens, gen):
    """No cache: every step runs the whole sequence so far through the model. Returns [B, P+N]."""
    B, P = prompts.shape
    out = torch.empty(B, P + new_tokens, dtype=torch.long)
    out[:, :P] = prompts
    for i in range(new_tokens):
        logits = model(out[:, :P + i], pos=0, last_only=True)
        out[:, P + i] = sample(logits, gen)
    return out


def gen_bench(model, args, mode, seed):
    fn = generate_cached if mode == "cache" else generate_naive
    g = torch.Generator().manual_seed(seed)
    prompts = torch.randint(0, args.vocab, (args.gen_batch, args.prompt_len), generator=g)
    model.eval()
    runs = []
    watch = CpuWatch()
    with torch.inference_mode():
        # Untimed warm-up: a few tokens, so allocator and kernels are warm as in the train loop.
        fn(model, prompts, min(8, args.gen_tokens), g)
        for r in range(args.gen_repeats):
            t0 = time.perf_counter()
            out = fn(model, prompts, args.gen_tokens, g)
            dt = time.perf_counter() - t0
            assert out.shape == (args.gen_batch, args.prompt_len + args.gen_tokens)
            runs.append(args.gen_batch * args.gen_tokens / dt)
            log(f"generate ({mode}) run {r + 1}/{args.gen_repeats}: {dt:.2f} s, {runs[-1]:.1f} tokens/s")
    return runs, watch.share()


def blas_in_use():
    """Name the BLAS library actually mapped into this process (after the alternatives symlinks)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if ".so" in p:
                    libs.add(os.path.realpath(p))
    except OSError:
        pass
    names = sorted(os.path.basename(p) for p in libs
                   if any(k in os.path.basename(p).lower() for k in ("blas", "mkl", "blis")))
    if any("openblas" in n for n in names):
        kind = "openblas"
    elif any("mkl" in n for n in names):
        kind = "mkl"
    elif any("blis" in n for n in names):
        kind = "blis"
    elif any("libblas" in n for n in names):
        kind = "reference (netlib libblas; slow)"
    else:
        kind = "unknown"
    real = sorted(p for p in libs if "blas" in os.path.basename(p).lower())
    return kind + (" [" + ", ".join(real) + "]" if real else "")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="PyTorch-eager baseline for `autodidact bench engine`.")
    p.add_argument("--json-out", required=True, help="where to write the JSON result ('-' = stdout)")
    p.add_argument("--vocab", type=int, default=512)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=688)
    p.add_argument("--context", type=int, default=128)
    p.add_argument("--train-batch", type=int, default=16)
    p.add_argument("--train-steps", type=int, default=30)
    p.add_argument("--warmup-steps", type=int, default=3)
    p.add_argument("--gen-batch", type=int, default=64)
    p.add_argument("--prompt-len", type=int, default=16)
    p.add_argument("--gen-tokens", type=int, default=112)
    p.add_argument("--gen-repeats", type=int, default=3)
    p.add_argument("--gen-mode", choices=("both", "cache", "naive"), default="both",
                   help="which sampling loops to time (default both)")
    p.add_argument("--naive-repeats", type=int, default=1,
                   help="repeats for the naive loop (default 1: one run lasts ~40 s at the defaults)")
    p.add_argument("--skip-train", action="store_true", help="time sampling only")
    p.add_argument("--no-malloc-env", action="store_true",
                   help="keep glibc's dynamic mmap threshold (see MALLOC_ENV)")
    p.add_argument("--tie-embeddings", action="store_true", help="lm_head shares the embedding matrix")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if a.prompt_len + a.gen_tokens > a.context:
        p.error(f"--prompt-len + --gen-tokens ({a.prompt_len + a.gen_tokens}) exceeds --context ({a.context})")
    if a.hidden % a.heads or a.heads % a.kv_heads or (a.hidden // a.heads) % 2:
        p.error("need hidden % heads == 0, heads % kv_heads == 0 and an even head_dim")
    return a


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = Llama(args.vocab, args.hidden, args.layers, args.heads, args.kv_heads,
                  args.intermediate, args.context, tie=args.tie_embeddings)
    params = sum(p.numel() for p in model.parameters())
    log(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {params} parameters")

    options = {k: v for k, v in vars(args).items() if k != "json_out"}
    result = {
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "blas": None,
        "threads": torch.get_num_threads(),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "malloc_env": {k: os.environ.get(k) for k in MALLOC_ENV},
        "params": params,
        "options": options,
        "gen_stat": "median",  # torch_generate_*_tokens_per_s: median over the repeats
        "loadavg_start": list(os.getloadavg()),
    }
    result.update(options)

    if not args.skip_train:
        result.update(train_bench(model, args, torch.Generator().manual_seed(args.seed)))
    # The same (trained or fresh) weights are used for sampling; the numbers do not depend on them.
    if args.gen_mode in ("both", "cache"):
        runs, foreign = gen_bench(model, args, "cache", args.seed + 1)
        result["torch_generate_foreign_cpu_share"] = foreign
        result["torch_generate_tokens_per_s"] = statistics.median(runs)
        result["torch_generate_tokens_per_s_best"] = max(runs)
        result["torch_generate_tokens_per_s_runs"] = runs
    if args.gen_mode in ("both", "naive"):
        saved = args.gen_repeats
        args.gen_repeats = args.naive_repeats
        runs, foreign = gen_bench(model, args, "naive", args.seed + 1)
        result["torch_generate_naive_foreign_cpu_share"] = foreign
        args.gen_repeats = saved
        result["torch_generate_naive_tokens_per_s"] = statistics.median(runs)
        result["torch_generate_naive_tokens_per_s_best"] = max(runs)
        result["torch_generate_naive_tokens_per_s_runs"] = runs
    result["blas"] = blas_in_use()
    # The machine is shared: a load average above the thread count means the numbers are suspect.
    result["loadavg_end"] = list(os.getloadavg())
    # Peak resident memory of this process: VmHWM, not ru_maxrss, which Linux carries across fork and exec,
    # so under the JVM that started us it would report the JVM's size.
    result["torch_peak_rss_mib"] = peak_rss_mib()

    text = json.dumps(result, indent=2, sort_keys=True)
    if args.json_out == "-":
        print(text)
    else:
        d = os.path.dirname(os.path.abspath(args.json_out))
        os.makedirs(d, exist_ok=True)
        with open(args.json_out, "w") as f:
            f.write(text + "\n")
    log(f"train {result.get('torch_train_tokens_per_s', float('nan')):.0f} tok/s, "
        f"generate cache {result.get('torch_generate_tokens_per_s', float('nan')):.0f} tok/s, "
        f"naive {result.get('torch_generate_naive_tokens_per_s', float('nan')):.0f} tok/s  [{result['blas']}]")


if __name__ == "__main__":
    main()

"""python -m autodidact.worker.bench --model-config qwen2-0.5b: the GPU worker's generation and training speed on a model
of a real shape with random weights, against Hugging Face transformers' `generate` on the same weights in the same run.

Generation: prompts of --prompt-len random tokens, --new-tokens sampled at temperature 1 (no stop token), per batch size
in --batch; tokens/s = batch * new tokens / seconds of the second of two runs (the first warms up). Training: SFT steps on
random rows of --train-seq tokens, --train-batch rows per step; MFU counts 6 * parameters FLOPs per token against the
device's dense bf16 peak. Writes --out (worker-bench.json): gen_tokens_per_s, hf_gen_tokens_per_s, gen_ratio (at the
largest batch), per-batch figures, train_tokens_per_s, train_mfu, device. Where transformers is absent the HF figures
are null and `hf_missing` says why.
"""
import argparse
import json
import platform
import time

import torch

from autodidact.worker import model as models
from autodidact.worker.generate import Sampling, generate
from autodidact.worker.train import Objective, Trainer, TrainRow

CONFIGS = {
    # Qwen2-0.5B's shape (config.json of Qwen/Qwen2-0.5B).
    "qwen2-0.5b": dict(model_type="qwen2", vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                       num_attention_heads=14, num_key_value_heads=2, head_dim=64, max_position_embeddings=32768,
                       rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True, attention_bias=True),
    # For smoke tests on a CPU.
    "tiny": dict(model_type="qwen2", vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=2048,
                 tie_word_embeddings=True, attention_bias=True),
}
# Dense bf16 peak FLOP/s by device name (vendor data sheets, SXM parts).
PEAK_BF16 = {"H100": 989e12, "H200": 989e12, "A100": 312e12}


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def ours(net, prompts, new_tokens, batch):
    sampling = Sampling(temperature=1.0, max_new_tokens=new_tokens, seed=1)
    return sum(len(c.tokens) for c in generate(net, prompts, sampling, batch_size=batch))


def hf_model(net, config):
    """transformers' model of the same family holding the same weights, or (None, why)."""
    try:
        import transformers
    except ImportError as e:
        return None, "transformers is not importable here (%s)" % e
    cls = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM"}[config.model_type]
    hf_config = getattr(transformers, cls).config_class(**config.to_dict())
    hf = getattr(transformers, cls)(hf_config).to(net.lm_head.weight.device, net.lm_head.weight.dtype).eval()
    missing, unexpected = hf.load_state_dict(net.hf_state_dict(), strict=False)
    if unexpected or [k for k in missing if k != "lm_head.weight"]:
        return None, "weights did not map onto %s: missing %s, unexpected %s" % (cls, missing[:3], unexpected[:3])
    return hf, None


def hf_generate(hf, prompts, new_tokens):
    ids = torch.tensor(prompts, device=hf.device)
    with torch.no_grad():
        out = hf.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=1.0, top_k=0, top_p=1.0,
                          max_new_tokens=new_tokens, min_new_tokens=new_tokens, eos_token_id=None, pad_token_id=0)
    return (out.shape[1] - ids.shape[1]) * ids.shape[0]


def timed(fn, device):
    fn()  # warm-up: allocator, kernels, autotuning
    sync(device)
    t0 = time.perf_counter()
    tokens = fn()
    sync(device)
    return tokens / (time.perf_counter() - t0)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m autodidact.worker.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--model-config", choices=sorted(CONFIGS), default="qwen2-0.5b")
    p.add_argument("--batch", default="16,256", help="generation batch sizes, comma-separated (default 16,256)")
    p.add_argument("--prompt-len", type=int, default=128)
    p.add_argument("--new-tokens", type=int, default=256)
    p.add_argument("--train-batch", type=int, default=16)
    p.add_argument("--train-seq", type=int, default=1024)
    p.add_argument("--train-steps", type=int, default=5)
    p.add_argument("--skip-hf", action="store_true", help="do not time transformers' generate")
    p.add_argument("--device", default=None)
    p.add_argument("--out", default="worker-bench.json")
    a = p.parse_args(argv)
    batches = [int(b) for b in a.batch.split(",")]
    device = torch.device(a.device) if a.device else models.default_device()
    dtype = models.default_dtype(device)
    torch.manual_seed(0)
    config = models.ModelConfig(**CONFIGS[a.model_config])
    net = models.CausalLM(config)
    with torch.no_grad():
        for prm in net.parameters():
            prm.normal_(0.0, 0.02) if prm.dim() >= 2 else prm.fill_(1.0)
    net = net.to(device, dtype)
    params = sum(prm.numel() for prm in net.parameters())
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
    result = {"device": name, "torch": torch.__version__, "dtype": str(dtype).replace("torch.", ""), "model_config": a.model_config,
              "parameters": params, "prompt_len": a.prompt_len, "new_tokens": a.new_tokens, "generation": {}}
    hf, why = (None, "--skip-hf") if a.skip_hf else hf_model(net, config)
    if why:
        result["hf_missing"] = why
    g = torch.Generator().manual_seed(1)
    for b in batches:
        prompts = torch.randint(0, config.vocab_size, (b, a.prompt_len), generator=g).tolist()
        row = {"tokens_per_s": timed(lambda: ours(net, prompts, a.new_tokens, b), device)}
        if hf is not None:
            row["hf_tokens_per_s"] = timed(lambda: hf_generate(hf, prompts, a.new_tokens), device)
            row["ratio"] = row["tokens_per_s"] / row["hf_tokens_per_s"]
        result["generation"][str(b)] = row
        print("generate batch %4d: %10.1f tokens/s%s" % (b, row["tokens_per_s"], "  HF %10.1f tokens/s  ratio %.2f"
              % (row["hf_tokens_per_s"], row["ratio"]) if "ratio" in row else ""), flush=True)
    del hf
    top = result["generation"][str(max(batches))]
    result["gen_tokens_per_s"] = top["tokens_per_s"]
    result["hf_gen_tokens_per_s"] = top.get("hf_tokens_per_s")
    result["gen_ratio"] = top.get("ratio")

    trainer = Trainer(net)
    rows = [TrainRow(tuple(torch.randint(0, config.vocab_size, (a.train_seq,), generator=g).tolist()), 1)
            for _ in range(a.train_batch)]
    step = lambda: trainer.step(rows, Objective(), 1e-5, micro_batch_size=a.train_batch).tokens
    trainer.step(rows, Objective(), 1e-5, micro_batch_size=a.train_batch)
    sync(device)
    t0 = time.perf_counter()
    for _ in range(a.train_steps):
        step()
    sync(device)
    tokens_per_s = a.train_steps * a.train_batch * a.train_seq / (time.perf_counter() - t0)
    peak = next((v for k, v in PEAK_BF16.items() if k in name), None) if device.type == "cuda" else None
    result["train_tokens_per_s"] = tokens_per_s
    result["train_mfu"] = 6 * params * tokens_per_s / peak if peak else None
    print("train: %.1f tokens/s, MFU %s" % (tokens_per_s, "%.1f%%" % (100 * result["train_mfu"]) if peak else "n/a (no bf16 peak for %s)" % name))
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print("wrote", a.out)


if __name__ == "__main__":
    main()

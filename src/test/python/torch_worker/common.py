"""Shared by the torch worker's tests: the golden fixtures (AUTODIDACT_FIXTURES_HF, set by TorchWorkerTest from the
pom's autodidact.fixtures) and a tiny random model."""
import json
import os

import torch

from autodidact.worker import model, safetensors

FAMILIES = ("llama-tiny", "qwen2-tiny", "qwen3-tiny")


def fixture_dir(name):
    root = os.environ.get("AUTODIDACT_FIXTURES_HF")
    if not root:
        raise RuntimeError("AUTODIDACT_FIXTURES_HF is not set; run these tests through TorchWorkerTest (./mvnw test) or set it "
                           "to the shared fixtures' hf/ directory")
    return os.path.join(root, name)


def fixture(name):
    """(model, expected tensors, expected.json) of one fixture."""
    d = fixture_dir(name)
    with open(os.path.join(d, "expected.json")) as f:
        meta = json.load(f)
    return model.load(d, device="cpu"), safetensors.load(os.path.join(d, "expected.safetensors")), meta


def tiny(model_type="qwen3", seed=0, vocab=32, context=64):
    torch.manual_seed(seed)
    config = model.ModelConfig(model_type=model_type, vocab_size=vocab, hidden_size=32, intermediate_size=64,
                               num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                               max_position_embeddings=context, tie_word_embeddings=model_type != "llama",
                               attention_bias=model_type == "qwen2")
    m = model.CausalLM(config)
    with torch.no_grad():
        for p in m.parameters():
            p.normal_(0.0, 0.2) if p.dim() >= 2 else p.uniform_(0.8, 1.2)
    return m

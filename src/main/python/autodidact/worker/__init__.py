"""The GPU worker: the Llama, Qwen2 and Qwen3 families on PyTorch, generation with a KV cache and training steps with the
kernels of autodidact.kernels on torch tensors (docs/gpu-worker.md).

Modules: xp_torch (the kernels' array namespace on torch), safetensors (checkpoint files without the safetensors
package), model (the models from Hugging Face checkpoint directories), generate (batched sampling with a KV cache),
train (a training step: a kernel's loss, AdamW, gradient clipping).
"""

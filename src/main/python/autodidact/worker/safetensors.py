"""Safetensors files (the Hugging Face checkpoint format) with json and torch alone: Debian 12 has no python3-safetensors,
and the format is an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, then the
raw little-endian tensor bytes.
"""
import json
import os
import struct

import torch

_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
           "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
           "BOOL": torch.bool}
_CODES = {v: k for k, v in _DTYPES.items()}


def load(path):
    """{name: tensor} of one .safetensors file, on the CPU, in the file's dtypes."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if len(data) < 8:
        raise ValueError("%s: not a safetensors file (%d bytes)" % (path, len(data)))
    (n,) = struct.unpack("<Q", bytes(data[:8]))
    if n > len(data) - 8:
        raise ValueError("%s: header length %d exceeds the file (%d bytes); the file is truncated or not safetensors"
                         % (path, n, len(data)))
    header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError("%s: tensor %s has dtype %s; supported: %s" % (path, name, info["dtype"], ", ".join(_DTYPES)))
        begin, end = info["data_offsets"]
        shape = [int(d) for d in info["shape"]]
        count = 1
        for d in shape:
            count *= d
        size = torch.empty((), dtype=dtype).element_size()
        if end - begin != count * size or base + end > len(data):
            raise ValueError("%s: tensor %s spans bytes %d..%d, which does not hold shape %s of %s"
                             % (path, name, begin, end, shape, info["dtype"]))
        if count == 0:
            out[name] = torch.empty(shape, dtype=dtype)
        else:
            out[name] = torch.frombuffer(data, dtype=dtype, count=count, offset=base + begin).reshape(shape)
    return out


def load_dir(directory):
    """Every tensor of a checkpoint directory: model.safetensors, or the shards model.safetensors.index.json names."""
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.isfile(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
    elif os.path.isfile(os.path.join(directory, "model.safetensors")):
        shards = ["model.safetensors"]
    else:
        raise FileNotFoundError("%s holds neither model.safetensors nor model.safetensors.index.json; point at a Hugging Face "
                                "checkpoint directory" % directory)
    tensors = {}
    for shard in shards:
        tensors.update(load(os.path.join(directory, shard)))
    return tensors


def save(path, tensors, metadata=None):
    """Writes {name: tensor} as one .safetensors file (tensors in name order, each contiguous, on the CPU)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        if t.dtype not in _CODES:
            raise ValueError("tensor %s has dtype %s, which safetensors cannot hold here" % (name, t.dtype))
        blob = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": _CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the reference writer does
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)

"""What the worker protocol (flight/worker-protocol.md, version 4) asks of a worker, without the transport: actions as
JSON objects in and out, exchanges as columns (dicts of Python lists) in and rows out. `server` puts it behind
pyarrow.flight; keeping Arrow out of here lets the protocol's behaviour be tested where pyarrow is absent.

Errors are WorkerError(code, message) with the Flight status the server answers with; every message names what was
wrong and what to send instead.
"""
import copy
import json
import math
import os
import shutil
import tempfile
import threading
import time
import uuid

import torch

from autodidact.kernels import certainty
from autodidact.kernels import xp
from autodidact.worker import decoding, model as models, xp_torch
from autodidact.worker.generate import Sampling, generate
from autodidact.worker.train import Objective, Trainer, TrainRow

PROTOCOL_VERSION = 4
CHUNK_BYTES = 4 << 20          # get-weights: at most 4 MiB of data per row
OUT_BATCH_ROWS = 8             # generate: rows per answered batch, sent as samples finish


class WorkerError(Exception):
    """A refused call: `code` is the Flight status (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, UNIMPLEMENTED, INTERNAL)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def invalid(message):
    return WorkerError("INVALID_ARGUMENT", message)


def require_keys(body, allowed, what):
    if not isinstance(body, dict):
        raise invalid("%s: the body must be a JSON object" % what)
    for k in body:
        if k not in allowed:
            raise invalid("%s: unknown key \"%s\"; valid keys: %s" % (what, k, ", ".join(sorted(allowed))))


def text(body, key, what):
    v = body.get(key)
    if not isinstance(v, str) or not v:
        raise invalid("%s: \"%s\" must be a non-empty string" % (what, key))
    return v


def number(body, key, default, what, kind=float):
    v = body.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise invalid("%s: \"%s\" must be a number, got %r" % (what, key, v))
    if kind is int and v != int(v):
        raise invalid("%s: \"%s\" must be an integer, got %r" % (what, key, v))
    return kind(v)


class Held:
    """One model the worker holds: the network, its tokenizer and (once it trains) its optimizer."""

    def __init__(self, net, tokenizer):
        self.net = net
        self.tokenizer = tokenizer
        self.trainer = None
        self.last_step = None  # (id, answer) of the last train-stream step, so a step sent again is not applied twice

    def describe(self, name):
        c = self.net.config
        return {"model": name, "parameters": sum(p.numel() for p in self.net.parameters()),
                "context": c.max_position_embeddings, "vocab_size": c.vocab_size, "lora": False}


def builtin_config(c, vocab):
    """The JVM's LlamaConfig.tiny: a Llama of the given shape, head_dim hidden / heads, untied."""
    hidden, heads = c["hidden"], c["heads"]
    if hidden % heads:
        raise ValueError("config.hidden (%d) must be a multiple of config.heads (%d)" % (hidden, heads))
    return models.ModelConfig(model_type="llama", vocab_size=vocab, hidden_size=hidden,
                              intermediate_size=((hidden * 8 // 3) + 7) // 8 * 8, num_hidden_layers=c["layers"],
                              num_attention_heads=heads, num_key_value_heads=c["kv_heads"], head_dim=hidden // heads,
                              max_position_embeddings=c["context"], rms_norm_eps=1e-6, rope_theta=10000.0)


class WorkerCore:
    """The models of one worker process and the protocol's operations on them. One computation at a time (`compute`);
    health and worker-info answer while one runs."""

    def __init__(self, device=None, dtype=None, batch_size=256):
        self.device = torch.device(device) if device is not None else models.default_device()
        self.dtype = dtype or models.default_dtype(self.device)
        self.batch_size = batch_size
        self.instance = uuid.uuid4().hex
        self.started = time.monotonic()
        self.models = {}
        self.compute = threading.Lock()
        self.stopping = threading.Event()
        xp_torch.bind()

    # ------------------------------------------------------------------------------------------------ actions

    def action(self, name, body):
        handlers = {"worker-info": self.info, "health": self.health, "load-model": self.load, "fork-model": self.fork,
                    "unload-model": self.unload, "save-checkpoint": self.save, "set-weights": self.set_weights_path,
                    "shutdown": self.shutdown}
        handler = handlers.get(name)
        if handler is None:
            raise WorkerError("UNIMPLEMENTED", "unknown action \"%s\"; this worker implements %s" % (name, ", ".join(sorted(handlers))))
        if name in ("worker-info", "health", "shutdown"):
            return handler(body)
        with self.compute:
            return handler(body)

    def info(self, body):
        require_keys(body, (), "worker-info")
        free = torch.cuda.mem_get_info(self.device)[0] if self.device.type == "cuda" else _system_free_bytes()
        return {"protocol_version": PROTOCOL_VERSION, "worker": "python", "instance": self.instance,
                "device": _device_name(self.device), "engine": ("torch %s (%s)" % (torch.__version__, self.dtype)).replace("torch.float", "float").replace("torch.bfloat", "bfloat"),
                "threads": torch.get_num_threads(), "cores": os.cpu_count(), "jvm_free_bytes": 0,
                "system_free_bytes": _system_free_bytes(), "device_free_bytes": free,
                "models": [h.describe(k) for k, h in sorted(self.models.items())]}

    def health(self, body):
        require_keys(body, (), "health")
        return {"status": "ok", "instance": self.instance, "busy": self.compute.locked(), "models": len(self.models),
                "uptime_s": time.monotonic() - self.started}

    def shutdown(self, body):
        require_keys(body, (), "shutdown")
        self.stopping.set()
        return {"status": "shutting down"}

    def held(self, body, key, what):
        name = text(body, key, what)
        h = self.models.get(name)
        if h is None:
            raise WorkerError("NOT_FOUND", "%s: no model '%s' on this worker (it holds %s); load it with load-model"
                              % (what, name, sorted(self.models)))
        return h

    def load(self, body):
        what = "load-model"
        require_keys(body, ("model", "path", "config", "lora", "replace"), what)
        name = text(body, "model", what)
        if name in self.models and not body.get("replace", False):
            raise WorkerError("ALREADY_EXISTS", "%s: model '%s' is already loaded; unload-model it first or send \"replace\": true"
                              % (what, name))
        if ("path" in body) == ("config" in body):
            raise invalid("%s: give exactly one of \"path\" (a model directory) and \"config\" (a fresh built-in model)" % what)
        if body.get("lora"):
            raise WorkerError("UNIMPLEMENTED", "%s: LoRA adapters are not implemented by the torch worker yet; load the full "
                              "model (no \"lora\") or use the JVM worker" % what)
        try:
            if "path" in body:
                path = text(body, "path", what)
                if not os.path.isdir(path):
                    raise invalid("%s: \"path\" %s is not a directory on this worker; give a model directory the worker can "
                                  "read (shared storage)" % (what, path))
                held = Held(models.load(path, self.device, self.dtype), decoding.load(path))
            else:
                c = body["config"]
                require_keys(c, ("hidden", "layers", "heads", "kv_heads", "context", "seed", "alphabet"), what + ".config")
                shape = {k: number(c, k, d, what + ".config", int)
                         for k, d in (("hidden", 64), ("layers", 2), ("heads", 4), ("kv_heads", 4), ("context", 64), ("seed", 0))}
                tokenizer = decoding.CharTokenizer(text(c, "alphabet", what + ".config"))
                torch.manual_seed(shape["seed"])  # weights drawn on the CPU from the seed: the same on every torch worker
                net = models.CausalLM(builtin_config(shape, tokenizer.vocab_size))
                with torch.no_grad():
                    for p in net.parameters():
                        p.normal_(0.0, 0.02) if p.dim() >= 2 else p.fill_(1.0)
                held = Held(net.to(self.device, self.dtype), tokenizer)
        except (ValueError, FileNotFoundError) as e:
            raise invalid("%s: %s" % (what, e))
        self.models[name] = held
        return held.describe(name)

    def fork(self, body):
        require_keys(body, ("model", "into"), "fork-model")
        source = self.held(body, "model", "fork-model")
        into = text(body, "into", "fork-model")
        if into in self.models:
            raise WorkerError("ALREADY_EXISTS", "fork-model: model '%s' already exists; unload-model it first" % into)
        self.models[into] = Held(copy.deepcopy(source.net), source.tokenizer)
        return self.models[into].describe(into)

    def unload(self, body):
        require_keys(body, ("model",), "unload-model")
        return {"unloaded": self.models.pop(text(body, "model", "unload-model"), None) is not None}

    def save(self, body):
        require_keys(body, ("model", "path"), "save-checkpoint")
        h = self.held(body, "model", "save-checkpoint")
        path = os.path.abspath(text(body, "path", "save-checkpoint"))
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)
        # Written beside the target and renamed into place: a reader never sees half a checkpoint.
        tmp = tempfile.mkdtemp(prefix=".tmp-", dir=parent)
        try:
            models.save(h.net, tmp)
            h.tokenizer.save(tmp)
            if os.path.isdir(path):
                shutil.rmtree(path)
            os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return {"path": path}

    def set_weights_path(self, body):
        require_keys(body, ("model", "path"), "set-weights")
        h = self.held(body, "model", "set-weights")
        path = text(body, "path", "set-weights")
        try:
            fresh = models.load(path, self.device, self.dtype)
        except (ValueError, FileNotFoundError) as e:
            raise invalid("set-weights: %s" % e)
        if fresh.config != h.net.config:
            raise invalid("set-weights: %s holds a different architecture than model '%s' (%s vs %s)"
                          % (path, body["model"], fresh.config, h.net.config))
        with torch.no_grad():
            for (_, p), (_, q) in zip(h.net.named_parameters(), fresh.named_parameters()):
                p.copy_(q)
        h.trainer = None  # the optimizer's moments belong to the old weights
        return {"path": path}

    # ------------------------------------------------------------------------------------------------ weights streams

    def get_weights(self, name):
        """Rows {name, shape, offset, data} of every tensor, float32 little-endian, at most CHUNK_BYTES of data each."""
        h = self.held({"model": name}, "model", "get-weights")
        per_chunk = CHUNK_BYTES // 4
        for key, t in sorted(h.net.hf_state_dict().items()):
            flat = t.detach().to("cpu", torch.float32).reshape(-1)
            for start in range(0, max(flat.numel(), 1), per_chunk):
                part = flat[start:start + per_chunk]
                yield {"name": key, "shape": list(t.shape), "offset": start, "data": part.numpy().tobytes()}

    def set_weights_stream(self, name, rows):
        """Takes the rows get_weights makes (any order); writes each tensor when it arrived whole. Returns bytes received."""
        with self.compute:
            h = self.held({"model": name}, "model", "set-weights")
            params = h.net.hf_state_dict()
            pending, seen, received = {}, set(), 0
            for row in rows:
                key, shape, offset, data = row["name"], tuple(row["shape"]), int(row["offset"]), row["data"]
                received += len(data)
                if key not in params:
                    raise invalid("set-weights: model '%s' has no tensor %s; send the names get-weights lists" % (name, key))
                if shape != tuple(params[key].shape):
                    raise invalid("set-weights: %s has shape %s here, the stream says %s" % (key, tuple(params[key].shape), shape))
                numel = math.prod(shape)
                if len(data) % 4 or offset < 0 or offset + len(data) // 4 > numel:
                    raise invalid("set-weights: a chunk of %s at element %d with %d bytes does not fit its %d float32 elements"
                                  % (key, offset, len(data), numel))
                buf = pending.setdefault(key, [torch.empty(numel, dtype=torch.float32), 0])
                values = torch.frombuffer(bytearray(data), dtype=torch.float32) if data else torch.empty(0)
                buf[0][offset:offset + values.numel()] = values
                buf[1] += values.numel()
                if buf[1] == numel:
                    with torch.no_grad():
                        params[key].copy_(buf[0].reshape(shape))
                    seen.add(key)
                    del pending[key]
            missing = sorted(set(params) - seen)
            if missing:
                raise invalid("set-weights: %d tensors did not arrive whole (first: %s); send every tensor get-weights lists"
                              % (len(missing), missing[0]))
            h.trainer = None
            return received

    # ------------------------------------------------------------------------------------------------ exchanges

    def check_tokens(self, h, tokens, what):
        v = h.net.config.vocab_size
        for t in tokens:
            if not 0 <= t < v:
                raise invalid("%s: token %d is outside the vocabulary [0, %d)" % (what, t, v))

    def generate(self, desc, columns):
        """Yields lists of rollout rows as samples finish (OUT_BATCH_ROWS at most per list)."""
        require_keys(desc, ("op", "model", "sampling"), "generate")
        h = self.held(desc, "model", "generate")
        s = desc.get("sampling", {})
        require_keys(s, ("temperature", "top_p", "top_k", "max_new_tokens", "stop", "seed"), "generate.sampling")
        stop_strings = s.get("stop", [])
        if not isinstance(stop_strings, list) or not all(isinstance(x, str) for x in stop_strings):
            raise invalid("generate.sampling: \"stop\" must be a list of strings")
        try:
            sampling = Sampling(temperature=number(s, "temperature", 1.0, "generate.sampling"),
                                top_p=number(s, "top_p", 1.0, "generate.sampling"),
                                top_k=number(s, "top_k", 0, "generate.sampling", int),
                                max_new_tokens=number(s, "max_new_tokens", 64, "generate.sampling", int),
                                stop_token_ids=h.tokenizer.eos_ids, seed=number(s, "seed", 0, "generate.sampling", int))
        except ValueError as e:
            raise invalid("generate.sampling: %s" % e)
        prompts = columns["prompt_tokens"]
        for i, p in enumerate(prompts):
            self.check_tokens(h, p, "generate row %d" % i)
            if not p:
                raise invalid("generate row %d: prompt_tokens is empty; send at least one token" % i)
            if len(p) >= h.net.config.max_position_embeddings:
                raise invalid("generate row %d: a prompt of %d tokens leaves no room in the model's context of %d; shorten it"
                              % (i, len(p), h.net.config.max_position_embeddings))
        stops = [x for x in stop_strings if x]
        stop = (lambda tokens: any(h.tokenizer.decode(tokens).endswith(x) for x in stops)) if stops else None
        with self.compute:
            batch = []
            for c in generate(h.net, prompts, sampling, columns["prompt_index"], columns["sample_index"], self.batch_size, stop):
                body = c.tokens[:-1] if c.finish_reason == "eos" else c.tokens
                batch.append({"prompt_index": columns["prompt_index"][c.index], "sample_index": columns["sample_index"][c.index],
                              "tokens": c.tokens, "logprobs": c.logprobs, "text": h.tokenizer.decode(body),
                              "finish_reason": c.finish_reason})
                if len(batch) == OUT_BATCH_ROWS:
                    yield batch
                    batch = []
            if batch:
                yield batch

    def _scored(self, desc, columns, what):
        require_keys(desc, ("op", "model"), what)
        h = self.held(desc, "model", what)
        rows = []
        for i, (p, c) in enumerate(zip(columns["prompt_tokens"], columns["completion_tokens"])):
            self.check_tokens(h, p, "%s row %d prompt" % (what, i))
            self.check_tokens(h, c, "%s row %d completion" % (what, i))
            if not p:
                raise invalid("%s row %d: prompt_tokens is empty" % (what, i))
            if len(p) + len(c) > h.net.config.max_position_embeddings:
                raise invalid("%s row %d: %d tokens exceed the model's context of %d" % (what, i, len(p) + len(c),
                                                                                        h.net.config.max_position_embeddings))
            rows.append((p, c))
        return h, rows

    def _logits(self, h, rows):
        """Float32 logits [b, T, V] for the padded rows and each row's completion mask [b, T] (position j predicts j + 1)."""
        width = max(len(p) + len(c) for p, c in rows)
        ids = torch.zeros(len(rows), width, dtype=torch.long)
        mask = torch.zeros(len(rows), width - 1)
        for i, (p, c) in enumerate(rows):
            ids[i, :len(p) + len(c)] = torch.tensor(p + c)
            mask[i, len(p) - 1:len(p) - 1 + len(c)] = 1
        ids = ids.to(self.device)
        h.net.eval()
        return h.net(ids)[:, :-1].float(), ids[:, 1:], mask.to(self.device)

    def logprobs(self, desc, columns):
        h, rows = self._scored(desc, columns, "logprobs")
        out = []
        with self.compute, torch.no_grad():
            for start in range(0, len(rows), self.batch_size):
                part = rows[start:start + self.batch_size]
                logits, targets, _ = self._logits(h, part)
                lp = torch.log_softmax(logits, -1).gather(-1, targets[..., None])[..., 0].cpu()
                for j, (p, c) in enumerate(part):
                    out.append(lp[j, len(p) - 1:len(p) - 1 + len(c)].tolist())
        return [{"row_index": columns["row_index"][i], "logprobs": v} for i, v in enumerate(out)]

    def self_certainty(self, desc, columns):
        h, rows = self._scored(desc, columns, "self-certainty")
        out = []
        with self.compute, torch.no_grad():
            for start in range(0, len(rows), self.batch_size):
                logits, _, mask = self._logits(h, rows[start:start + self.batch_size])
                out.extend(certainty.self_certainty(xp.Array(logits), xp.Array(mask))._h.double().cpu().tolist())
        return [{"row_index": columns["row_index"][i], "self_certainty": v} for i, v in enumerate(out)]

    def train_step(self, desc, step, columns):
        """One step of a train-stream: `desc` is the stream's descriptor, `step` the batch's app metadata (the step's id
        and the parameters a train descriptor carries). A step whose id is the last one this model applied is answered
        again, not applied again: a client sends a step again when its answer was lost with a broken stream."""
        require_keys(desc, ("op", "model"), "train-stream")
        require_keys(step, ("step", "learning_rate", "micro_batch_size", "objective"), "train-stream step")
        step_id = step.get("step")
        if isinstance(step_id, bool) or not isinstance(step_id, int):
            raise invalid("train-stream step: \"step\" (an integer id, new for every step) is required")
        params = {k: v for k, v in step.items() if k != "step"}
        return self.train(dict(params, op="train", model=desc.get("model")), columns, step_id)

    def train(self, desc, columns, step_id=None):
        what = "train"
        require_keys(desc, ("op", "model", "learning_rate", "micro_batch_size", "objective"), what)
        h = self.held(desc, "model", what)
        o = desc.get("objective", {})
        require_keys(o, ("loss", "eps_low", "eps_high", "kl_coef", "averaging", "max_length", "gamma_percentile", "beta",
                         "kernel", "kernel_code", "kernel_module", "kernel_function"), what + ".objective")
        if o.get("kernel_module"):
            raise WorkerError("UNIMPLEMENTED", "train.objective: kernel_module (a kernel directory) is not supported by the "
                              "torch worker; send kernel_code as the path of one .py file")
        try:
            objective = Objective(loss=o.get("loss", "sft"), eps_low=number(o, "eps_low", 0.2, what), eps_high=number(o, "eps_high", 0.2, what),
                                  kl_coef=number(o, "kl_coef", 0.0, what), averaging=o.get("averaging", "token"),
                                  max_length=number(o, "max_length", 0, what, int),
                                  gamma_percentile=number(o, "gamma_percentile", 0.9, what), beta=number(o, "beta", 0.1, what),
                                  kernel_code=o.get("kernel_code", ""), kernel_function=o.get("kernel_function", "loss"))
            rows = []
            for i, tokens in enumerate(columns["tokens"]):
                self.check_tokens(h, tokens, "train row %d" % i)
                if len(tokens) > h.net.config.max_position_embeddings:
                    raise invalid("train row %d: %d tokens exceed the model's context of %d"
                                  % (i, len(tokens), h.net.config.max_position_embeddings))
                rows.append(TrainRow(tuple(tokens), columns["completion_start"][i], columns["weight"][i],
                                     tuple(columns["token_weights"][i]), tuple(columns["old_logprobs"][i]),
                                     tuple(columns["ref_logprobs"][i]), bool(columns["off_policy"][i]), columns["kl_weight"][i]))
        except ValueError as e:
            raise invalid("%s: %s" % (what, e))
        lr = number(desc, "learning_rate", 1e-4, what)
        micro = number(desc, "micro_batch_size", 16, what, int)
        with self.compute:
            if step_id is not None and h.last_step is not None and h.last_step[0] == step_id:
                return h.last_step[1]
            if h.trainer is None:
                h.trainer = Trainer(h.net)
            try:
                m = h.trainer.step(rows, objective, lr, micro)
            except ValueError as e:  # a kernel's refusal, e.g. policy_gradient without old log-probabilities
                raise invalid("%s: %s" % (what, e))
            answer = [{"loss": m.loss, "grad_norm": m.grad_norm, "learning_rate": m.learning_rate, "tokens": m.tokens,
                       "monitors": json.dumps(m.monitors, sort_keys=True)}]
            if step_id is not None:
                h.last_step = (step_id, answer)
        return answer


def _device_name(device):
    if device.type == "cuda":
        return "cuda:%d %s" % (device.index or 0, torch.cuda.get_device_name(device))
    return "cpu"


def _system_free_bytes():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0

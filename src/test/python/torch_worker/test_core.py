import json
import os
import tempfile
import unittest

import torch

from autodidact.worker.core import WorkerCore, WorkerError
from common import fixture_dir

ALPHABET = "0123456789+=> \n"


def builtin(core, name="m1", seed=0):
    return core.action("load-model", {"model": name, "config": {"hidden": 32, "layers": 2, "heads": 4, "kv_heads": 2,
                                                                "context": 64, "seed": seed, "alphabet": ALPHABET}})


def gen_columns(prompts, samples=1):
    rows = [(i, s, p) for i, p in enumerate(prompts) for s in range(samples)]
    return {"prompt_index": [r[0] for r in rows], "sample_index": [r[1] for r in rows], "prompt_tokens": [r[2] for r in rows]}


def rows_of(batches):
    return sorted((r for b in batches for r in b), key=lambda r: (r["prompt_index"], r["sample_index"]))


class CoreTest(unittest.TestCase):
    def setUp(self):
        self.core = WorkerCore(device="cpu", batch_size=4)

    def refused(self, code, pattern, fn, *args):
        with self.assertRaises(WorkerError) as e:
            r = fn(*args)
            if hasattr(r, "__next__"):
                list(r)
        self.assertEqual(e.exception.code, code)
        self.assertRegex(str(e.exception), pattern)

    def test_models_load_fork_and_unload_as_the_protocol_says(self):
        d = builtin(self.core)
        self.assertEqual((d["model"], d["vocab_size"], d["context"], d["lora"]), ("m1", len(ALPHABET) + 2, 64, False))
        info = self.core.action("worker-info", {})
        self.assertEqual(info["protocol_version"], 4)
        self.assertEqual([m["model"] for m in info["models"]], ["m1"])
        self.refused("ALREADY_EXISTS", "already loaded; unload-model it first or send \"replace\": true", builtin, self.core)
        self.core.action("fork-model", {"model": "m1", "into": "m2"})
        self.assertEqual(self.core.action("health", {})["models"], 2)
        self.assertEqual(self.core.action("unload-model", {"model": "m2"}), {"unloaded": True})
        self.refused("NOT_FOUND", r"no model 'm2' on this worker \(it holds \['m1'\]\); load it with load-model",
                     self.core.action, "save-checkpoint", {"model": "m2", "path": "/tmp/x"})
        self.refused("INVALID_ARGUMENT", "unknown key \"pth\"; valid keys: config, lora, model, path, replace",
                     self.core.action, "load-model", {"model": "m3", "pth": "/x"})
        self.refused("UNIMPLEMENTED", "unknown action \"train-model\"", self.core.action, "train-model", {})
        self.refused("UNIMPLEMENTED", "LoRA adapters are not implemented", self.core.action, "load-model",
                     {"model": "m4", "path": "/x", "lora": {"rank": 4}})

    def test_generate_answers_every_sample_with_tokens_logprobs_text_and_reason(self):
        self.core.action("load-model", {"model": "q", "path": fixture_dir("qwen3-tiny")})
        out = rows_of(self.core.generate({"op": "generate", "model": "q", "sampling": {"max_new_tokens": 5, "seed": 3}},
                                         gen_columns([[1, 2, 3], [4, 5]], samples=3)))
        self.assertEqual([(r["prompt_index"], r["sample_index"]) for r in out], [(i, s) for i in range(2) for s in range(3)])
        for r in out:
            self.assertEqual(len(r["tokens"]), 5)
            self.assertEqual(len(r["logprobs"]), 5)
            self.assertEqual(r["text"], " ".join(str(t) for t in r["tokens"]))  # no tokenizer in the dir: ids stand for themselves
            self.assertEqual(r["finish_reason"], "length")
        scored = self.core.logprobs({"op": "logprobs", "model": "q"},
                                    {"row_index": list(range(len(out))), "prompt_tokens": [[1, 2, 3]] * 3 + [[4, 5]] * 3,
                                     "completion_tokens": [r["tokens"] for r in out]})
        for r, s in zip(out, scored):
            self.assertLess(max(abs(a - b) for a, b in zip(r["logprobs"], s["logprobs"])), 1e-5)

    def test_a_stop_string_ends_a_sample_with_reason_stop(self):
        builtin(self.core, seed=4)
        free = rows_of(self.core.generate({"op": "generate", "model": "m1", "sampling": {"temperature": 0, "max_new_tokens": 10}},
                                          gen_columns([[2, 3]])))[0]
        stop = free["text"][2:4]
        out = rows_of(self.core.generate({"op": "generate", "model": "m1",
                                          "sampling": {"temperature": 0, "max_new_tokens": 10, "stop": [stop]}}, gen_columns([[2, 3]])))[0]
        self.assertEqual(out["finish_reason"], "stop")
        self.assertTrue(out["text"].endswith(stop) and free["text"].startswith(out["text"]), (out["text"], free["text"]))

    def test_an_eos_token_ends_a_sample_and_stays_out_of_its_text(self):
        builtin(self.core, seed=4)
        desc = {"op": "generate", "model": "m1", "sampling": {"temperature": 0, "max_new_tokens": 10}}
        free = rows_of(self.core.generate(desc, gen_columns([[2, 3]])))[0]["tokens"]
        eos = free[2]
        self.core.models["m1"].tokenizer.eos_ids = (eos,)  # as if the tokenizer's <eos> were the third greedy token
        out = rows_of(self.core.generate(desc, gen_columns([[2, 3]])))[0]
        first = free.index(eos)
        self.assertEqual((out["tokens"], out["finish_reason"]), (free[:first + 1], "eos"))
        self.assertEqual(out["text"], "".join(ALPHABET[t - 2] for t in free[:first]))
        self.assertGreater(len(out["text"]), 0)

    def test_bad_generate_requests_are_refused_naming_the_problem(self):
        builtin(self.core)
        desc = {"op": "generate", "model": "m1"}
        self.refused("INVALID_ARGUMENT", r"generate row 1: token 99 is outside the vocabulary \[0, 17\)", self.core.generate, desc,
                     gen_columns([[2], [99]]))
        self.refused("INVALID_ARGUMENT", "generate row 0: a prompt of 64 tokens leaves no room in the model's context of 64",
                     self.core.generate, desc, gen_columns([[2] * 64]))
        self.refused("INVALID_ARGUMENT", "unknown key \"temp\"", self.core.generate, dict(desc, sampling={"temp": 1}), gen_columns([[2]]))

    def test_self_certainty_is_the_mean_kl_from_uniform_and_zero_for_an_empty_completion(self):
        builtin(self.core)
        cols = {"row_index": [7, 8], "prompt_tokens": [[2, 3, 4], [5]], "completion_tokens": [[6, 7], []]}
        out = self.core.self_certainty({"op": "self-certainty", "model": "m1"}, cols)
        net = self.core.models["m1"].net
        with torch.no_grad():
            lp = torch.log_softmax(net(torch.tensor([[2, 3, 4, 6, 7]]))[0, 2:4].float(), -1)
        v = lp.shape[-1]
        expected = (-lp.mean(-1) - torch.log(torch.tensor(float(v)))).mean().item()
        self.assertEqual([r["row_index"] for r in out], [7, 8])
        self.assertAlmostEqual(out[0]["self_certainty"], expected, places=5)
        self.assertEqual(out[1]["self_certainty"], 0.0)

    def test_train_steps_lower_the_loss_and_report_monitors(self):
        builtin(self.core, seed=2)
        cols = {"tokens": [[2, 3, 4, 5, 6], [7, 8, 9, 10]], "completion_start": [2, 1], "weight": [1.0, 1.0],
                "token_weights": [[], []], "old_logprobs": [[], []], "ref_logprobs": [[], []], "off_policy": [False, False],
                "kl_weight": [1.0, 1.0]}
        desc = {"op": "train", "model": "m1", "learning_rate": 1e-2, "micro_batch_size": 1, "objective": {"loss": "sft"}}
        losses = [self.core.train(desc, cols)[0] for _ in range(6)]
        self.assertLess(losses[-1]["loss"], 0.5 * losses[0]["loss"])
        self.assertEqual(losses[0]["tokens"], 6)
        self.assertEqual(json.loads(losses[0]["monitors"]), {})
        pg = dict(desc, objective={"loss": "policy_gradient"})
        self.refused("INVALID_ARGUMENT", "policy_gradient needs old log-probabilities", self.core.train, pg, cols)

    def test_a_train_stream_step_sent_again_is_answered_not_applied_twice(self):
        builtin(self.core, "s", seed=2)
        builtin(self.core, "c", seed=2)
        cols = {"tokens": [[2, 3, 4, 5, 6], [7, 8, 9, 10]], "completion_start": [2, 1], "weight": [1.0, 1.0],
                "token_weights": [[], []], "old_logprobs": [[], []], "ref_logprobs": [[], []], "off_policy": [False, False],
                "kl_weight": [1.0, 1.0]}
        stream = {"op": "train-stream", "model": "s"}
        step = lambda i: {"step": i, "learning_rate": 1e-2, "micro_batch_size": 1, "objective": {"loss": "sft"}}
        first, again, second = (self.core.train_step(stream, step(i), cols)[0]["loss"] for i in (1, 1, 2))
        self.assertEqual(first, again)
        desc = {"op": "train", "model": "c", "learning_rate": 1e-2, "micro_batch_size": 1, "objective": {"loss": "sft"}}
        called = [self.core.train(desc, cols)[0]["loss"] for _ in range(2)]
        self.assertAlmostEqual(called[0], first, places=6)
        self.assertAlmostEqual(called[1], second, places=6)
        self.refused("INVALID_ARGUMENT", r"\"step\" \(an integer id", self.core.train_step, stream, dict(step(3), step="3"), cols)

    def test_checkpoints_and_streamed_weights_carry_the_model_to_another(self):
        builtin(self.core, "a", seed=1)
        builtin(self.core, "b", seed=2)
        ids = torch.tensor([[2, 3, 4, 5]])
        logits = lambda name: self.core.models[name].net(ids)
        with torch.no_grad():
            self.assertFalse(torch.equal(logits("a"), logits("b")))
            received = self.core.set_weights_stream("b", self.core.get_weights("a"))
            self.assertTrue(torch.equal(logits("a"), logits("b")))
            self.assertEqual(received, 4 * sum(p.numel() for p in self.core.models["a"].net.parameters()))
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "ckpt")
                self.core.action("save-checkpoint", {"model": "a", "path": path})
                self.assertTrue(os.path.isfile(os.path.join(path, "autodidact-tokenizer.json")))
                self.core.action("load-model", {"model": "c", "path": path})
                self.assertTrue(torch.equal(logits("a"), logits("c")))
                builtin(self.core, "d", seed=3)
                self.core.action("set-weights", {"model": "d", "path": path})
                self.assertTrue(torch.equal(logits("a"), logits("d")))
        partial = [r for r in self.core.get_weights("a") if r["name"] != "lm_head.weight"]
        self.refused("INVALID_ARGUMENT", "1 tensors did not arrive whole \\(first: lm_head.weight\\)", self.core.set_weights_stream, "b", partial)


if __name__ == "__main__":
    unittest.main()

import os
import tempfile
import unittest

import torch

from autodidact.worker.generate import Sampling, generate
from autodidact.worker.train import Objective, Trainer, TrainRow
from common import tiny


def sft_rows():
    # Prompt [1, 2] then a fixed completion per row; the model should learn to continue each prompt this way.
    return [TrainRow((1, 2, 5, 6, 7), 2), TrainRow((3, 4, 8, 9), 2), TrainRow((1, 3, 10, 11, 12, 13), 2, weight=0.5),
            TrainRow((2, 4, 14), 2, token_weights=(0.25,))]


class TrainTest(unittest.TestCase):
    def test_a_few_sft_steps_lower_the_loss(self):
        m = tiny("llama", seed=1)
        trainer = Trainer(m)
        losses = [trainer.step(sft_rows(), Objective(), learning_rate=3e-3).loss for _ in range(8)]
        self.assertLess(losses[-1], 0.5 * losses[0], "losses %s" % losses)

    def test_micro_batches_add_up_to_one_big_batch(self):
        results = []
        for micro in (1, 2, 4):
            m = tiny("qwen2", seed=2)
            r = Trainer(m).step(sft_rows(), Objective(), learning_rate=1e-3, micro_batch_size=micro)
            results.append((r.loss, r.grad_norm, m.lm_head.weight.detach().clone()))
        for loss, norm, weights in results[1:]:
            self.assertAlmostEqual(loss / results[0][0], 1.0, delta=1e-5)
            self.assertAlmostEqual(norm / results[0][1], 1.0, delta=1e-5)
            self.assertLess((weights - results[0][2]).abs().max().item(), 1e-6)

    def test_the_first_policy_gradient_step_on_generated_samples_is_on_policy(self):
        m = tiny("qwen3", seed=3)
        prompts = [[1, 2, 3], [4, 5], [6]]
        done = sorted(generate(m, prompts, Sampling(temperature=1.0, max_new_tokens=6, seed=9)), key=lambda c: c.index)
        rows = [TrainRow(tuple(p + c.tokens), len(p), weight=a, old_logprobs=tuple(c.logprobs))
                for p, c, a in zip(prompts, done, (1.0, -0.5, 0.25))]
        r = Trainer(m).step(rows, Objective(loss="policy_gradient", averaging="sequence"), learning_rate=1e-3)
        self.assertAlmostEqual(r.monitors["ratio"], 1.0, delta=1e-5)
        self.assertEqual(r.monitors["clip_fraction"], 0.0)
        self.assertEqual(r.tokens, sum(len(c.tokens) for c in done))

    def test_gradients_are_clipped_to_the_configured_norm(self):
        before = tiny("llama", seed=4)
        after = tiny("llama", seed=4)
        # With AdamW's first step every parameter moves by lr * sign-like steps whatever the scale, so compare plain
        # gradients instead: clip_grad_norm_ leaves the reported (pre-clip) norm and scales the gradients to the limit.
        trainer = Trainer(after, grad_clip=0.01, weight_decay=0.0)
        seen = {}
        original = trainer.optimizer.step

        def record(*a, **k):
            seen["norm"] = torch.sqrt(sum((p.grad ** 2).sum() for g in trainer.optimizer.param_groups for p in g["params"])).item()
            return original(*a, **k)

        trainer.optimizer.step = record
        r = trainer.step(sft_rows(), Objective(), learning_rate=1e-3)
        self.assertGreater(r.grad_norm, 0.1)
        self.assertAlmostEqual(seen["norm"], 0.01, delta=1e-4)
        self.assertFalse(torch.equal(before.lm_head.weight, after.lm_head.weight))

    def test_a_kernel_file_of_ones_own_replaces_the_bundled_loss(self):
        code = ("from autodidact.kernels import xp\n"
                "def loss(batch, **options):\n"
                "    logp = batch.token_logp()\n"
                "    return -xp.sum(logp * batch.mask) / batch.total_tokens, {'tokens': float(xp.sum(batch.mask))}\n")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "k.py")
            with open(path, "w") as f:
                f.write(code)
            mine = Trainer(tiny("llama", seed=5)).step(sft_rows()[:3], Objective(kernel_code=path), learning_rate=1e-3)
            bundled = Trainer(tiny("llama", seed=5)).step(sft_rows()[:3], Objective(), learning_rate=1e-3)
        # Rows 0-2 have weights 1, 1, 0.5: the bundled SFT loss weights them, this kernel does not.
        self.assertEqual(mine.monitors, {"tokens": 9.0})
        self.assertNotAlmostEqual(mine.loss, bundled.loss, places=4)

    def test_bad_rows_and_objectives_are_refused_naming_the_field(self):
        with self.assertRaisesRegex(ValueError, r"old_logprobs has 2 entries; give one per completion token \(3\) or none"):
            TrainRow((1, 2, 3, 4), 1, old_logprobs=(0.0, 0.0))
        with self.assertRaisesRegex(ValueError, r"completion_start must be in \[1, 3\)"):
            TrainRow((1, 2, 3), 3)
        with self.assertRaisesRegex(ValueError, "objective.averaging must be one of token, sequence, constant"):
            Objective(averaging="mean")
        with self.assertRaisesRegex(ValueError, "policy_gradient needs old log-probabilities"):
            Trainer(tiny("llama")).step(sft_rows(), Objective(loss="policy_gradient"), learning_rate=1e-3)


if __name__ == "__main__":
    unittest.main()

import json
import os
import tempfile
import unittest

import torch

from autodidact.worker import model, safetensors
from common import FAMILIES, fixture, tiny


class ModelTest(unittest.TestCase):
    def test_logits_equal_transformers_for_llama_qwen2_and_qwen3_fixtures(self):
        for name in FAMILIES:
            with self.subTest(name):
                m, expected, _ = fixture(name)
                with torch.no_grad():
                    logits = m(expected["input_ids"])
                diff = (logits - expected["logits"]).abs().max().item()
                self.assertLess(diff, 1e-4, "%s: max |logit difference| %g" % (name, diff))

    def test_next_token_loss_equals_transformers_loss(self):
        for name in FAMILIES:
            with self.subTest(name):
                m, expected, meta = fixture(name)
                ids = expected["input_ids"]
                with torch.no_grad():
                    logits = m(ids)
                loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
                self.assertAlmostEqual(loss.item() / meta["loss"], 1.0, delta=1e-5)

    def test_saved_checkpoint_loads_back_with_the_same_logits(self):
        for family in ("llama", "qwen2", "qwen3"):
            with self.subTest(family), tempfile.TemporaryDirectory() as d:
                m = tiny(family)
                model.save(m, d)
                back = model.load(d, device="cpu")
                ids = torch.tensor([[1, 5, 7, 2, 9]])
                with torch.no_grad():
                    self.assertTrue(torch.equal(m(ids), back(ids)))
                self.assertEqual("lm_head.weight" in safetensors.load(os.path.join(d, "model.safetensors")), family == "llama")

    def test_bfloat16_round_trips_through_safetensors(self):
        with tempfile.TemporaryDirectory() as d:
            t = {"a": torch.randn(3, 5).to(torch.bfloat16), "b": torch.arange(4), "empty": torch.zeros(0, 2)}
            safetensors.save(os.path.join(d, "x.safetensors"), t)
            back = safetensors.load(os.path.join(d, "x.safetensors"))
            for k in t:
                self.assertEqual(back[k].dtype, t[k].dtype)
                self.assertTrue(torch.equal(back[k], t[k]), k)

    def test_config_errors_name_the_field_and_the_fix(self):
        base = {"model_type": "qwen2", "vocab_size": 8, "hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1,
                "num_attention_heads": 2}
        with self.assertRaisesRegex(ValueError, "model_type 'gpt2' is not supported; this worker implements llama, qwen2, qwen3"):
            model.ModelConfig.from_dict(dict(base, model_type="gpt2"))
        with self.assertRaisesRegex(ValueError, r"num_attention_heads \(2\) must be a multiple of num_key_value_heads \(3\)"):
            model.ModelConfig.from_dict(dict(base, num_key_value_heads=3))
        with self.assertRaisesRegex(ValueError, "rope_scaling.rope_type 'yarn' is not supported"):
            model.ModelConfig.from_dict(dict(base, rope_scaling={"rope_type": "yarn", "factor": 4.0}))
        missing = dict(base)
        del missing["vocab_size"]
        with self.assertRaisesRegex(ValueError, "missing vocab_size"):
            model.ModelConfig.from_dict(missing)

    def test_llama3_rope_scaling_divides_low_frequencies_and_keeps_high_ones(self):
        d = {"model_type": "llama", "vocab_size": 8, "hidden_size": 64, "intermediate_size": 8, "num_hidden_layers": 1,
             "num_attention_heads": 1, "rope_theta": 500000.0,
             "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                              "original_max_position_embeddings": 8192}}
        scaled = model.inv_freq(model.ModelConfig.from_dict(d))
        plain = model.inv_freq(model.ModelConfig.from_dict(dict(d, rope_scaling=None)))
        self.assertAlmostEqual(scaled[0].item(), plain[0].item(), places=7)             # wavelength 2 pi: kept
        self.assertAlmostEqual(scaled[-1].item(), plain[-1].item() / 8.0, places=12)    # longest wavelength: divided
        self.assertTrue(((scaled <= plain + 1e-12) & (scaled >= plain / 8.0 - 1e-12)).all())

    def test_a_checkpoint_whose_tensors_do_not_match_its_config_is_refused_with_the_names(self):
        with tempfile.TemporaryDirectory() as d:
            model.save(tiny("qwen3"), d)
            with open(os.path.join(d, "config.json")) as f:
                config = json.load(f)
            config["model_type"] = "qwen2"  # qwen2 has biases and no q/k norms
            with open(os.path.join(d, "config.json"), "w") as f:
                json.dump(config, f)
            with self.assertRaisesRegex(ValueError, r"does not match its config.json \(qwen2\): missing \['model.layers.0.self_attn.k_proj.bias'"):
                model.load(d, device="cpu")


if __name__ == "__main__":
    unittest.main()

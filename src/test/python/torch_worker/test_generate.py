import unittest

import torch

from autodidact.worker.generate import Sampling, generate, sample, stream_keys, uniforms
from common import FAMILIES, fixture, tiny


def by_index(completions):
    return sorted(completions, key=lambda c: c.index)


class GenerateTest(unittest.TestCase):
    def test_greedy_cached_generation_equals_transformers_greedy_ids(self):
        for name in FAMILIES:
            with self.subTest(name):
                m, expected, _ = fixture(name)
                out = by_index(generate(m, expected["input_ids"].tolist(), Sampling(temperature=0, max_new_tokens=16)))
                self.assertEqual([c.tokens for c in out], expected["greedy_ids"].tolist())
                self.assertEqual({c.finish_reason for c in out}, {"length"})

    def test_cached_decoding_gives_the_full_forward_log_probabilities(self):
        # Prompts of different lengths, more of them than cache rows: rows are refilled as sequences finish.
        m = tiny("qwen2")
        prompts = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10], [11], [12, 13, 14, 15], [16, 17]]
        out = by_index(generate(m, prompts, Sampling(temperature=1.0, max_new_tokens=9, seed=5), batch_size=2))
        self.assertEqual([c.index for c in out], list(range(len(prompts))))
        for p, c in zip(prompts, out):
            ids = torch.tensor([p + c.tokens])
            with torch.no_grad():
                full = torch.log_softmax(m(ids)[0].float(), dim=-1)
            expected = full[len(p) - 1:-1].gather(-1, torch.tensor(c.tokens)[:, None])[:, 0]
            diff = (torch.tensor(c.logprobs) - expected).abs().max().item()
            self.assertLess(diff, 1e-5, "prompt %d: cached vs full-forward log-probabilities differ by %g" % (c.index, diff))

    def test_samples_do_not_depend_on_the_batch_they_shared(self):
        m = tiny("llama")
        prompts = [[1, 2, 3], [4, 5, 6, 7, 8], [9], [10, 11]] * 2
        sampling = Sampling(temperature=1.0, top_p=0.95, top_k=20, max_new_tokens=8, seed=11)
        indices, samples = [0, 1, 2, 3] * 2, [0] * 4 + [1] * 4
        alone = by_index(generate(m, prompts, sampling, indices, samples, batch_size=1))
        together = by_index(generate(m, prompts, sampling, indices, samples, batch_size=8))
        self.assertEqual([c.tokens for c in alone], [c.tokens for c in together])
        self.assertNotEqual(alone[0].tokens, alone[4].tokens, "samples 0 and 1 of a prompt draw from different streams")

    def test_a_stop_token_ends_the_sequence_and_is_kept(self):
        m = tiny("qwen3")
        free = by_index(generate(m, [[1, 2], [3]], Sampling(temperature=0, max_new_tokens=12)))
        stop = free[0].tokens[4]
        out = by_index(generate(m, [[1, 2], [3]], Sampling(temperature=0, max_new_tokens=12, stop_token_ids=(stop,))))
        first = free[0].tokens.index(stop)
        self.assertEqual(out[0].tokens, free[0].tokens[:first + 1])
        self.assertEqual(out[0].finish_reason, "eos")
        self.assertEqual(len(out[0].logprobs), len(out[0].tokens))

    def test_autograd_stays_on_for_the_caller_while_generation_is_suspended(self):
        m = tiny("llama")
        g = generate(m, [[1], [2], [3]], Sampling(max_new_tokens=2), batch_size=1)
        next(g)
        self.assertTrue(torch.is_grad_enabled())
        self.assertTrue(m(torch.tensor([[1, 2]])).requires_grad)
        self.assertEqual(len(list(g)), 2)

    def test_top_k_one_and_a_tiny_top_p_sample_the_greedy_token(self):
        m = tiny("qwen3")
        prompts = [[1, 2, 3], [7, 8]]
        greedy = by_index(generate(m, prompts, Sampling(temperature=0, max_new_tokens=6)))
        for s in (Sampling(temperature=1.5, top_k=1, max_new_tokens=6, seed=3), Sampling(temperature=1.5, top_p=1e-6, max_new_tokens=6, seed=3)):
            with self.subTest(s):
                self.assertEqual([c.tokens for c in by_index(generate(m, prompts, s))], [c.tokens for c in greedy])

    def test_draws_follow_the_tempered_truncated_distribution(self):
        logits = torch.tensor([[2.0, 1.0, 0.5, 0.0, -1.0, -3.0]])
        n = 20000
        keys = stream_keys(7, torch.arange(n), torch.zeros(n, dtype=torch.long))
        u = uniforms(keys, torch.zeros(n, dtype=torch.long))
        cases = [(Sampling(temperature=1.0), None), (Sampling(temperature=2.0), None),
                 (Sampling(temperature=1.0, top_k=3), 3), (Sampling(temperature=1.0, top_p=0.8), None)]
        for s, k in cases:
            with self.subTest(s):
                tokens = sample(logits.expand(n, -1), s, u)
                freq = torch.bincount(tokens, minlength=6).float() / n
                p = torch.softmax(logits[0] / s.temperature, dim=-1)
                if k:
                    p[k:] = 0
                if s.top_p < 1:
                    before = torch.cumsum(p, 0) - p  # logits are sorted, so this is the mass of the more probable tokens
                    p[before >= s.top_p] = 0
                p = p / p.sum()
                self.assertLess((freq - p).abs().max().item(), 0.015, "frequencies %s vs %s" % (freq.tolist(), p.tolist()))

    def test_a_sequence_that_fills_the_context_ends_there_and_a_prompt_that_fills_it_is_refused(self):
        m = tiny("qwen3", context=16)
        out = by_index(generate(m, [list(range(10)), [1, 2]], Sampling(max_new_tokens=8)))
        self.assertEqual([(len(c.tokens), c.finish_reason) for c in out], [(6, "length"), (8, "length")])
        with self.assertRaisesRegex(ValueError, "a prompt of 16 tokens leaves no room in the model's context of 16; shorten it"):
            list(generate(m, [list(range(16))], Sampling(max_new_tokens=8)))
        with self.assertRaisesRegex(ValueError, "top_p must be in"):
            Sampling(top_p=0)


if __name__ == "__main__":
    unittest.main()

import json
import os
import tempfile
import unittest

from autodidact.worker import bench


class BenchTest(unittest.TestCase):
    def test_the_benchmark_writes_every_figure_it_promises(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "worker-bench.json")
            bench.main(["--model-config", "tiny", "--batch", "2,3", "--prompt-len", "4", "--new-tokens", "3", "--train-batch", "2",
                        "--train-seq", "8", "--train-steps", "1", "--device", "cpu", "--out", out])
            with open(out) as f:
                r = json.load(f)
        for key in ("gen_tokens_per_s", "hf_gen_tokens_per_s", "gen_ratio", "train_tokens_per_s", "train_mfu", "device"):
            self.assertIn(key, r)
        self.assertEqual(sorted(r["generation"]), ["2", "3"])
        self.assertGreater(r["gen_tokens_per_s"], 0)
        self.assertGreater(r["train_tokens_per_s"], 0)
        if r["hf_gen_tokens_per_s"] is None:
            self.assertIn("hf_missing", r)


if __name__ == "__main__":
    unittest.main()

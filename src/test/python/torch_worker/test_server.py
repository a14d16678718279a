"""The Flight worker end to end on loopback. Needs pyarrow with Flight: skipped where `import pyarrow.flight` fails
(Debian 12 has no pyarrow); runs on the GPU image."""
import json
import threading
import unittest

try:
    import pyarrow as pa
    import pyarrow.flight as flight
    MISSING = None
except ImportError as e:  # the reason is stated in the skip
    MISSING = "pyarrow.flight is not importable here (%s); the Flight worker's tests run where pyarrow is installed" % e

TOKEN = "test-token"


def opts(version=b"4", token=TOKEN):
    return flight.FlightCallOptions(headers=[(b"authorization", b"Bearer " + token.encode()),
                                             (b"autodidact-worker-protocol", version)], timeout=60)


@unittest.skipIf(MISSING, MISSING)
class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from autodidact.worker.core import WorkerCore
        from autodidact.worker.server import WorkerServer
        cls.server = WorkerServer(WorkerCore(device="cpu", batch_size=4), "grpc+tcp://127.0.0.1:0", [TOKEN])
        cls.thread = threading.Thread(target=cls.server.serve, daemon=True)
        cls.thread.start()
        cls.client = flight.connect("grpc+tcp://127.0.0.1:%d" % cls.server.port)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.shutdown()

    def action(self, name, body, options=None):
        r = list(self.client.do_action(flight.Action(name, json.dumps(body).encode()), options=options or opts()))
        return json.loads(r[0].body.to_pybytes())

    def load(self, name):
        return self.action("load-model", {"model": name, "replace": True,
                                          "config": {"hidden": 32, "layers": 2, "heads": 4, "kv_heads": 2, "context": 64,
                                                     "seed": 1, "alphabet": "0123456789+="}})

    def exchange(self, desc, table):
        writer, reader = self.client.do_exchange(flight.FlightDescriptor.for_command(json.dumps(desc)), options=opts())
        writer.begin(table.schema)
        writer.write_table(table)
        writer.done_writing()
        out = reader.read_all()
        writer.close()
        return out

    def test_a_wrong_token_or_protocol_version_is_refused_before_the_worker(self):
        with self.assertRaisesRegex(flight.FlightUnauthenticatedError, "bearer token"):
            self.action("worker-info", {}, opts(token="nope"))
        with self.assertRaisesRegex(pa.ArrowInvalid, "protocol version mismatch: this worker speaks autodidact worker protocol 4 but the client sent 2"):
            self.action("worker-info", {}, opts(version=b"2"))
        self.assertEqual(self.action("worker-info", {})["protocol_version"], 4)

    def test_generate_streams_rollouts_in_the_protocol_schema(self):
        from autodidact.worker.server import GENERATE_REQUEST, ROLLOUT
        self.load("g")
        req = pa.table({"prompt_index": pa.array([0, 0, 1], pa.int32()), "sample_index": pa.array([0, 1, 0], pa.int32()),
                        "prompt_tokens": pa.array([[2, 3], [2, 3], [4]], pa.list_(pa.field("item", pa.int32(), False)))},
                       schema=GENERATE_REQUEST)
        out = self.exchange({"op": "generate", "model": "g", "sampling": {"max_new_tokens": 4, "seed": 2}}, req)
        self.assertEqual(out.schema, ROLLOUT)
        self.assertEqual(sorted(zip(out.column("prompt_index").to_pylist(), out.column("sample_index").to_pylist())),
                         [(0, 0), (0, 1), (1, 0)])

    def test_a_wrong_schema_is_refused_naming_the_column(self):
        self.load("s")
        bad = pa.table({"prompt_index": pa.array([0], pa.int64())})
        with self.assertRaisesRegex(pa.ArrowInvalid, "generate in: column 0 is prompt_index: int64 but protocol 4 expects prompt_index: int32"):
            self.exchange({"op": "generate", "model": "s"}, bad)
        with self.assertRaises(pa.ArrowNotImplementedError):
            self.exchange({"op": "sample", "model": "s"}, bad)

    def test_train_and_weights_round_trip(self):
        from autodidact.worker.server import TRAIN_REQUEST, WEIGHTS
        self.load("t")
        self.load("u")
        f32 = pa.list_(pa.field("item", pa.float32(), False))
        req = pa.table({"tokens": pa.array([[2, 3, 4, 5]], pa.list_(pa.field("item", pa.int32(), False))),
                        "completion_start": pa.array([2], pa.int32()), "weight": pa.array([1.0], pa.float32()),
                        "token_weights": pa.array([[]], f32), "old_logprobs": pa.array([[]], f32), "ref_logprobs": pa.array([[]], f32),
                        "off_policy": pa.array([False]), "kl_weight": pa.array([1.0], pa.float32())}, schema=TRAIN_REQUEST)
        r = self.exchange({"op": "train", "model": "t", "learning_rate": 1e-2, "objective": {"loss": "sft"}}, req)
        self.assertEqual(r.column("tokens").to_pylist(), [2])
        weights = self.client.do_get(flight.Ticket(json.dumps({"op": "get-weights", "model": "t"}).encode()), options=opts()).read_all()
        self.assertEqual(weights.schema, WEIGHTS)
        writer, meta = self.client.do_put(flight.FlightDescriptor.for_command(json.dumps({"op": "set-weights", "model": "u"})),
                                          WEIGHTS, options=opts())
        writer.write_table(weights)
        writer.done_writing()
        ack = json.loads(meta.read().to_pybytes())
        writer.close()
        self.assertEqual(ack["bytes"], sum(len(b) for b in weights.column("data").to_pylist()))


if __name__ == "__main__":
    unittest.main()

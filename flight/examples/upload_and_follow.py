"""Upload a dataset to autodidact and follow a run's rollouts into pandas, with pyarrow.flight.

    pip install pyarrow pandas
    AUTODIDACT_API_TOKEN=... python upload_and_follow.py grpc+tcp://localhost:8815 my-run

Protocol: flight/protocol.md. (Not run by the test suite: pyarrow is not available where the tests run;
the Java example in src/test/java/io/autodidact/flight/examples does the same and is tested.)
"""
import json
import os
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.flight as flight

location = sys.argv[1] if len(sys.argv) > 1 else "grpc+tcp://localhost:8815"
run_id = sys.argv[2] if len(sys.argv) > 2 else "demo"
token = os.environ["AUTODIDACT_API_TOKEN"].encode()

client = flight.connect(location)  # for TLS: flight.connect("grpc+tls://...", tls_root_certs=open("cert.pem", "rb").read())
# Every call carries the bearer token; the timeout keeps a dead server from hanging the script.
options = flight.FlightCallOptions(headers=[(b"authorization", b"Bearer " + token)], timeout=60)

# 1. Upload problems: id and prompt required; answer, category, difficulty (float), metadata (JSON text) optional.
problems = pd.DataFrame({
    "id": ["q0", "q1", "q2"],
    "prompt": ["1 + 1 =", "2 + 2 =", "3 + 3 ="],
    "answer": ["2", "4", "6"],
    "difficulty": [1.0, 1.0, 1.0],
    "metadata": [json.dumps({"source": "example"})] * 3,
})
table = pa.Table.from_pandas(problems, preserve_index=False)
# "?replace=true" replaces an existing dataset of that name; without it an existing name is refused (ALREADY_EXISTS).
descriptor = flight.FlightDescriptor.for_path("datasets/arith-demo?replace=true")
writer, _ = client.do_put(descriptor, table.schema, options=options)
writer.write_table(table, max_chunksize=65536)  # batches over the server's --max-batch-mb are refused
writer.close()  # the dataset becomes visible only now; a script that dies before this leaves nothing

# A run uses it with `task: {dataset: flight://datasets/arith-demo}` in its config.
names = [d.descriptor.path for d in client.list_flights(b"datasets/", options=options)]
print("datasets:", names)

# 2. Follow a run's rollouts: batches arrive as the run writes parts; the stream ends when the run ends
#    (summary.json written) or after idle_timeout_s without a new part.
follow = flight.FlightCallOptions(headers=[(b"authorization", b"Bearer " + token)])  # no deadline: a run takes a while
ticket = flight.Ticket(json.dumps({"path": f"runs/{run_id}/rollouts", "follow": True, "idle_timeout_s": 600}).encode())
reader = client.do_get(ticket, options=follow)
frames = []
for chunk in reader:  # one record batch per rollout part
    batch = chunk.data
    frames.append(batch.to_pandas())
    print(f"+{batch.num_rows} rollouts, {sum(f['correct'].sum() for f in frames)} correct so far")
rollouts = pd.concat(frames, ignore_index=True) if frames else reader.schema.empty_table().to_pandas()
assert reader.schema.metadata[b"autodidact.schema"] == b"autodidact.rollout.v1"

# 3. Why did it end, and the per-iteration metrics as a DataFrame.
status = json.loads(next(client.do_action(flight.Action("run-status", json.dumps({"run_id": run_id}).encode()),
                                          options=options)).body.to_pybytes())
print("run ended:", status["ended"])
metrics = client.do_get(flight.Ticket(json.dumps({"path": f"runs/{run_id}/metrics"}).encode()), options=options).read_pandas()
print(metrics[["iteration", "eval_pass1", "samples_selected", "train_loss"]])
print(rollouts.groupby("iteration")["correct"].mean())

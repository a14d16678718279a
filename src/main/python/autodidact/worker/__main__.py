"""python -m autodidact.worker --port P [--token T] [--device cuda:0]: the GPU worker, a Flight server speaking the worker
protocol (flight/worker-protocol.md) with the models on PyTorch."""
import argparse
import os
import sys


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m autodidact.worker", description=__doc__)
    p.add_argument("--port", type=int, required=True, help="the Flight port to listen on")
    p.add_argument("--host", default="0.0.0.0", help="the address to bind (default every interface)")
    p.add_argument("--token", action="append", default=[],
                   help="a bearer token clients must send (repeatable); AUTODIDACT_WORKER_TOKEN and AUTODIDACT_API_TOKEN count too")
    p.add_argument("--device", default=None, help="torch device (default cuda when present, else cpu)")
    p.add_argument("--batch-size", type=int, default=256, help="sequences decoded together (default 256)")
    a = p.parse_args(argv)
    tokens = a.token + [os.environ[k] for k in ("AUTODIDACT_WORKER_TOKEN", "AUTODIDACT_API_TOKEN") if os.environ.get(k)]
    if not tokens:
        p.error("no token: give --token or set AUTODIDACT_WORKER_TOKEN")
    try:
        import pyarrow.flight  # noqa: F401 - checked here to say what to install rather than fail deep in an import
    except ImportError as e:
        sys.exit("autodidact.worker needs pyarrow with Flight (%s); install pyarrow (pip install pyarrow) or use the GPU "
                 "image, docker/worker-gpu.Dockerfile" % e)
    from autodidact.worker.core import PROTOCOL_VERSION, WorkerCore
    from autodidact.worker.server import WorkerServer
    core = WorkerCore(device=a.device, batch_size=a.batch_size)
    server = WorkerServer(core, "grpc+tcp://%s:%d" % (a.host, a.port), tokens)
    print("autodidact torch worker on port %d (device %s, protocol %d)" % (server.port, core.device, PROTOCOL_VERSION), flush=True)
    server.serve()


if __name__ == "__main__":
    main()

"""The worker protocol (flight/worker-protocol.md, version 4) over pyarrow.flight, in front of WorkerCore.

Headers are checked before a call reaches the worker (bearer token, protocol version); schemas are checked column by
column as the JVM worker does; WorkerError codes become Flight statuses. Needs pyarrow with Flight (the GPU image has
it; Debian 12 does not).
"""
import json
import threading

import pyarrow as pa
import pyarrow.flight as flight

from autodidact.worker.core import PROTOCOL_VERSION, WorkerError

VERSION_HEADER = "autodidact-worker-protocol"


def _list(name, t):
    return pa.field(name, pa.list_(pa.field("item", t, nullable=False)), nullable=False)


def _scalar(name, t):
    return pa.field(name, t, nullable=False)


GENERATE_REQUEST = pa.schema([_scalar("prompt_index", pa.int32()), _scalar("sample_index", pa.int32()),
                              _list("prompt_tokens", pa.int32())])
ROLLOUT = pa.schema([_scalar("prompt_index", pa.int32()), _scalar("sample_index", pa.int32()), _list("tokens", pa.int32()),
                     _list("logprobs", pa.float32()), _scalar("text", pa.utf8()), _scalar("finish_reason", pa.utf8())])
LOGPROBS_REQUEST = pa.schema([_scalar("row_index", pa.int32()), _list("prompt_tokens", pa.int32()),
                              _list("completion_tokens", pa.int32())])
LOGPROBS_RESULT = pa.schema([_scalar("row_index", pa.int32()), _list("logprobs", pa.float32())])
SELF_CERTAINTY_RESULT = pa.schema([_scalar("row_index", pa.int32()), _scalar("self_certainty", pa.float64())])
TRAIN_REQUEST = pa.schema([_list("tokens", pa.int32()), _scalar("completion_start", pa.int32()), _scalar("weight", pa.float32()),
                           _list("token_weights", pa.float32()), _list("old_logprobs", pa.float32()),
                           _list("ref_logprobs", pa.float32()), _scalar("off_policy", pa.bool_()), _scalar("kl_weight", pa.float32())])
TRAIN_RESULT = pa.schema([_scalar("loss", pa.float64()), _scalar("grad_norm", pa.float64()), _scalar("learning_rate", pa.float64()),
                          _scalar("tokens", pa.int32()), _scalar("monitors", pa.utf8())])
WEIGHTS = pa.schema([_scalar("name", pa.utf8()), _list("shape", pa.int64()), _scalar("offset", pa.int64()),
                     _scalar("data", pa.binary())])

_TYPE_NAMES = {pa.int32(): "int32", pa.int64(): "int64", pa.float32(): "float32", pa.float64(): "float64",
               pa.utf8(): "utf8", pa.binary(): "binary", pa.bool_(): "bool"}


def _type_name(t):
    if pa.types.is_list(t):
        return "list<%s>" % _type_name(t.value_type)
    return _TYPE_NAMES.get(t, str(t))


def _columns(schema):
    return "[" + ", ".join("%s: %s" % (f.name, _type_name(f.type)) for f in schema) + "]"


def require_schema(actual, expected, stream):
    """Refuses a stream whose columns differ from `expected` in name, type or order, saying which and what to send."""
    for i in range(max(len(actual), len(expected))):
        want = "%s: %s" % (expected[i].name, _type_name(expected[i].type)) if i < len(expected) else "no column"
        got = "%s: %s" % (actual[i].name, _type_name(actual[i].type)) if i < len(actual) else "no column"
        if want != got:
            raise pa.ArrowInvalid("%s: column %d is %s but protocol %d expects %s; the %s schema is %s (flight/worker-protocol.md)"
                                  % (stream, i, got, PROTOCOL_VERSION, want, stream, _columns(expected)))


def _status(e):
    """The exception pyarrow turns into the WorkerError's Flight status."""
    message = str(e)
    if e.code == "NOT_FOUND":
        return pa.ArrowKeyError(message)
    if e.code == "UNIMPLEMENTED":
        return pa.ArrowNotImplementedError(message)
    if e.code == "INTERNAL":
        return flight.FlightInternalError(message)
    # pyarrow has no exception for ALREADY_EXISTS; it travels as INVALID_ARGUMENT with the same message.
    return pa.ArrowInvalid(message)


def _parse(data, what):
    try:
        body = json.loads(data.decode("utf-8") if data else "{}")
    except (UnicodeDecodeError, ValueError) as e:
        raise pa.ArrowInvalid("%s: the body is not JSON (%s); send a JSON object" % (what, e))
    if not isinstance(body, dict):
        raise pa.ArrowInvalid("%s: the body must be a JSON object" % what)
    return body


class _Gate(flight.ServerMiddlewareFactory):
    """Refuses a call without a known bearer token (UNAUTHENTICATED) or with another protocol version (INVALID_ARGUMENT)."""

    def __init__(self, tokens):
        super().__init__()
        self.tokens = set(tokens)

    def start_call(self, info, headers):
        auth = [v.decode() if isinstance(v, bytes) else v for v in headers.get("authorization", [])]
        if not any(a.startswith("Bearer ") and a[len("Bearer "):] in self.tokens for a in auth):
            raise flight.FlightUnauthenticatedError("missing or unknown bearer token; send authorization: Bearer <token> with a "
                                                    "token this worker was started with (--token, AUTODIDACT_WORKER_TOKEN)")
        offered = [v.decode() if isinstance(v, bytes) else v for v in headers.get(VERSION_HEADER, [])]
        if offered != [str(PROTOCOL_VERSION)]:
            raise pa.ArrowInvalid("protocol version mismatch: this worker speaks autodidact worker protocol %d but the client "
                                  "sent %s; run a worker and a service from the same release"
                                  % (PROTOCOL_VERSION, offered[0] if offered else "no %s header" % VERSION_HEADER))
        return None


class WorkerServer(flight.FlightServerBase):
    def __init__(self, core, location, tokens):
        if not tokens:
            raise ValueError("no token: start the worker with --token or AUTODIDACT_WORKER_TOKEN")
        super().__init__(location, middleware={"gate": _Gate(tokens)})
        self.core = core

    def list_actions(self, context):
        return [("worker-info", ""), ("health", ""), ("load-model", ""), ("fork-model", ""), ("unload-model", ""),
                ("save-checkpoint", ""), ("set-weights", ""), ("shutdown", "")]

    def do_action(self, context, action):
        body = _parse(action.body.to_pybytes() if action.body is not None else b"", action.type)
        try:
            answer = self.core.action(action.type, body)
        except WorkerError as e:
            raise _status(e)
        if self.core.stopping.is_set():
            # Answer first, then stop: shutdown() waits for calls in flight, this one included.
            threading.Thread(target=self.shutdown, daemon=True).start()
        return [flight.Result(json.dumps(answer).encode("utf-8"))]

    def do_exchange(self, context, descriptor, reader, writer):
        desc = _parse(descriptor.command, "exchange descriptor")
        op = desc.get("op")
        try:
            if op == "echo":
                if set(desc) != {"op"}:
                    raise pa.ArrowInvalid("echo: the descriptor takes no other key than \"op\"")
                writer.begin(reader.schema)
                for chunk in reader:
                    writer.write_batch(chunk.data)
                return
            if op == "train-stream":
                # One step per batch over one long-lived call; the batch's app metadata carries the step's id and parameters.
                require_schema(reader.schema, TRAIN_REQUEST, "train-stream in")
                writer.begin(TRAIN_RESULT)
                for chunk in reader:
                    if chunk.app_metadata is None:
                        raise pa.ArrowInvalid("train-stream: a batch came without its step in the app metadata; send {\"step\", "
                                              "\"learning_rate\", \"micro_batch_size\", \"objective\"} with every batch")
                    step = _parse(chunk.app_metadata.to_pybytes(), "train-stream step metadata")
                    rows = self.core.train_step(desc, step, chunk.data.to_pydict())
                    writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=TRAIN_RESULT))
                return
            handlers = {"generate": (GENERATE_REQUEST, ROLLOUT, self.core.generate),
                        "logprobs": (LOGPROBS_REQUEST, LOGPROBS_RESULT, self.core.logprobs),
                        "self-certainty": (LOGPROBS_REQUEST, SELF_CERTAINTY_RESULT, self.core.self_certainty),
                        "train": (TRAIN_REQUEST, TRAIN_RESULT, self.core.train)}
            if op not in handlers:
                raise WorkerError("UNIMPLEMENTED", "unknown exchange op %r; this worker implements echo, train-stream, %s"
                                  % (op, ", ".join(sorted(handlers))))
            request, result, handler = handlers[op]
            table = reader.read_all()
            require_schema(table.schema, request, op + " in")
            columns = table.to_pydict()
            writer.begin(result)
            if op == "generate":
                for rows in handler(desc, columns):
                    writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=result))
                    if context.is_cancelled():
                        return
            else:
                writer.write_batch(pa.RecordBatch.from_pylist(handler(desc, columns), schema=result))
        except WorkerError as e:
            raise _status(e)

    def do_get(self, context, ticket):
        desc = _parse(ticket.ticket, "ticket")
        if desc.get("op") != "get-weights" or set(desc) != {"op", "model"}:
            raise pa.ArrowInvalid("ticket: expected {\"op\": \"get-weights\", \"model\": ...}, got %s" % json.dumps(desc))
        try:
            rows = self.core.get_weights(desc["model"])
            first = next(rows, None)
        except WorkerError as e:
            raise _status(e)

        def batches():
            if first is not None:
                yield pa.RecordBatch.from_pylist([first], schema=WEIGHTS)
            for row in rows:
                yield pa.RecordBatch.from_pylist([row], schema=WEIGHTS)

        return flight.GeneratorStream(WEIGHTS, batches())

    def do_put(self, context, descriptor, reader, writer):
        desc = _parse(descriptor.command, "descriptor")
        if desc.get("op") != "set-weights" or set(desc) != {"op", "model"}:
            raise pa.ArrowInvalid("descriptor: expected {\"op\": \"set-weights\", \"model\": ...}, got %s" % json.dumps(desc))
        require_schema(reader.schema, WEIGHTS, "set-weights in")

        def rows():
            for chunk in reader:
                yield from chunk.data.to_pylist()

        try:
            received = self.core.set_weights_stream(desc["model"], rows())
        except WorkerError as e:
            raise _status(e)
        writer.write(pa.py_buffer(json.dumps({"bytes": received}).encode("utf-8")))

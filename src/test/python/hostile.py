"""Rewards that attack their host. reward(sample) runs the attack named by the prompt; every attack returns
1.0 only if it got through, so a blocked attack shows as an error (or, for read-only probes, as a message)."""
import os


def read_file(s):
    return 1.0 if open("/etc/hostname").read() is not None else 0.0


def write_file(s):
    with open(s["metadata"]["path"], "w") as f:
        f.write("pwned")
    return 1.0


def write_fileio(s):
    import io
    io.FileIO(s["metadata"]["path"], "w").write(b"pwned")
    return 1.0


def list_dir(s):
    return {"score": 1.0, "message": ",".join(os.listdir("/"))}


def run_subprocess(s):
    import subprocess
    subprocess.run(["touch", s["metadata"]["path"]])
    return 1.0


def run_os_system(s):
    rc = os.system("touch " + s["metadata"]["path"])
    if rc != 0:
        raise OSError("os.system returned %d" % rc)
    return 1.0


def open_socket(s):
    import socket
    socket.create_connection(("127.0.0.1", int(s["metadata"]["port"])), timeout=2).sendall(b"pwned")
    return 1.0


def load_ctypes(s):
    import ctypes
    ctypes.CDLL(None).system(b"touch " + s["metadata"]["path"].encode())
    return 1.0


def polyglot_eval(s):
    import polyglot
    polyglot.eval(language="js", string="1")
    return 1.0


def java_type(s):
    import java
    java.type("java.lang.System").exit(3)
    return 1.0


def read_environment(s):
    return {"score": 0.0, "message": ",".join(sorted(os.environ))}


def spin(s):
    while True:
        pass


def recurse(s):
    def f(n):
        return f(n + 1)
    return f(0)


def recurse_unlimited(s):
    import sys
    sys.setrecursionlimit(10 ** 7)

    def f(n):
        return f(n + 1) + 1
    return f(0)


def start_thread(s):
    import threading
    threading.Thread(target=lambda: None).start()
    return 1.0


def print_flood(s):
    line = "x" * 1000
    for _ in range(10 ** 6):  # 1 GB in all
        print(line)
    return 1.0


def print_flood_ignoring_errors(s):
    line = "x" * 1000
    for _ in range(10 ** 6):
        try:
            print(line)
        except OSError:
            pass
    return 1.0


def exit_interpreter(s):
    import sys
    sys.exit(3)


def hard_exit(s):
    os._exit(3)


def kill_self(s):
    import signal
    os.kill(os.getpid(), signal.SIGKILL)
    return 1.0


def patch_builtins(s):
    import builtins
    builtins.abs = lambda x: 1000
    builtins.float = lambda x: 99.0
    return 0.0


def check_builtins(s):
    return float(abs(-1))


def nan(s):
    return float("nan")


def string(s):
    return "1.0"


def none(s):
    return None


def raises(s):
    raise ValueError("bad sample " + s.id)


def dict_without_score(s):
    return {"correct": True}


def allocate_10gb(s):
    blocks = []
    for _ in range(1000):  # 10 MB at a time, so that no single request is refused up front
        blocks.append(bytearray(10 ** 7))
    return float(len(blocks))


def long_builtin(s):
    return float(len(str(10 ** (10 ** 8))))


def ok(s):
    return 1.0


def reward(sample):
    return globals()[sample["prompt"]](sample)

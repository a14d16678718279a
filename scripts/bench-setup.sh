#!/usr/bin/env bash
# Installs the PyTorch baseline used by `./autodidact bench engine` and the GPU worker's CPU tests (run by
# `./autodidact test`): Debian's python3-torch (1.13)
# for the system python /usr/bin/python3, plus OpenBLAS. Idempotent; safe to rerun.
#
# Debian's torch links the generic libblas.so.3; with the reference BLAS active it runs 8-16x slower
# than it should, so this script makes sure the OpenBLAS alternative is the active one.
set -euo pipefail

PY=/usr/bin/python3
ALT=libblas.so.3-x86_64-linux-gnu
ALT_LAPACK=liblapack.so.3-x86_64-linux-gnu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "bench-setup: not root and no sudo; run this script as root" >&2; exit 1; fi
fi

need=()
if ! [ -x "$PY" ] || ! "$PY" -c 'import torch' >/dev/null 2>&1; then need+=(python3-torch); fi
if ! dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'install ok installed'; then
  need+=(libopenblas0-pthread)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "bench-setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
else
  echo "bench-setup: python3-torch and libopenblas0-pthread already installed"
fi

# Make OpenBLAS the active libblas/liblapack (the reference BLAS may have higher priority or a manual pin).
pick_openblas() {
  local name=$1 path
  path=$(update-alternatives --list "$name" 2>/dev/null | grep -m1 'openblas-pthread' || true)
  if [ -z "$path" ]; then
    echo "bench-setup: no OpenBLAS alternative for $name" >&2; return 1
  fi
  if [ "$(readlink -f "/etc/alternatives/$name")" != "$(readlink -f "$path")" ]; then
    echo "bench-setup: switching $name to $path"
    $SUDO update-alternatives --set "$name" "$path"
  fi
}
pick_openblas "$ALT"
pick_openblas "$ALT_LAPACK" || true

echo "--- update-alternatives --display $ALT"
update-alternatives --display "$ALT" | sed -n 1,3p

"$PY" - <<'PYEOF'
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch
print("--- torch", torch.__version__)
blas = "unknown"
try:
    with open("/proc/self/maps") as f:
        libs = {l.split()[-1] for l in f if ".so" in l}
    hits = sorted(p for p in libs if "blas" in p.lower() or "lapack" in p.lower() or "mkl" in p.lower())
    print("loaded BLAS libraries:", *hits, sep="\n  ")
    real = {os.path.realpath(p) for p in hits}
    blas = "openblas" if any("openblas" in p for p in real) else ("mkl" if any("mkl" in p for p in real) else "reference")
except OSError:
    pass
import re
cfg = torch.__config__.show()
info = re.findall(r"\b(BLAS_INFO=[^,\s]+|LAPACK_INFO=[^,\s]+)", cfg)
print("torch build:", ", ".join(info) or "?", "(generic = whatever libblas.so.3 the alternatives select)")
print("active BLAS:", blas)
if blas == "reference":
    raise SystemExit("bench-setup: torch is using the reference BLAS; the baseline would be meaningless")
PYEOF

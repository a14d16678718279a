# The GPU worker: `python -m autodidact.worker --port 8816` on CUDA PyTorch, speaking the same worker protocol
# (flight/worker-protocol.md) as the JVM worker; its code is src/main/python/autodidact/worker (docs/gpu-worker.md).
# It reads its bearer token from AUTODIDACT_WORKER_TOKEN or AUTODIDACT_API_TOKEN. Not yet built or run on a GPU.
# Build from the repository root (docker/README.md):
#   docker build -f docker/gpu-worker.Dockerfile -t autodidact-gpu-worker:0.1.0 .
# The PyTorch version matches the libtorch the JVM engine uses (pytorch-native-cpu 2.7.1 in pom.xml).
FROM pytorch/pytorch:2.7.1-cuda12.6-cudnn9-runtime
LABEL org.opencontainers.image.title="autodidact-gpu-worker" \
      org.opencontainers.image.description="Autodidact GPU accelerator worker (PyTorch CUDA over Arrow Flight)"

RUN groupadd --system --gid 10001 autodidact \
 && useradd --system --uid 10001 --gid autodidact --create-home --home-dir /home/autodidact autodidact

# The worker protocol is Arrow Flight: pyarrow's Flight client and server, the same Arrow major as the JVM side (19).
RUN pip install --no-cache-dir "pyarrow==19.0.1"

WORKDIR /app
COPY src/main/python/ /app/python/

USER autodidact
ENV PYTHONPATH=/app/python \
    PYTHONUNBUFFERED=1
EXPOSE 8816
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD bash -c '</dev/tcp/127.0.0.1/8816' || exit 1
CMD ["python", "-m", "autodidact.worker", "--port", "8816"]

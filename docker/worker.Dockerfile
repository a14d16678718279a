# The JVM accelerator worker: `autodidact worker --port 8816`, a Flight server speaking the worker protocol
# (flight/worker-protocol.md) with the in-process DJL engine (CPU; libtorch comes from target/lib).
# Build from the repository root after `./mvnw package` (docker/README.md):
#   docker build -f docker/worker.Dockerfile -t autodidact-worker:0.1.0 .
# TLS: set AUTODIDACT_WORKER_TLS_CERT and AUTODIDACT_WORKER_TLS_KEY to PEM files mounted into the container
# (docker/README.md#tls-to-the-workers); without them the worker serves plain TCP.
FROM eclipse-temurin:25-jre
LABEL org.opencontainers.image.title="autodidact-worker" \
      org.opencontainers.image.description="Autodidact JVM accelerator worker (DJL engine over Arrow Flight)"

RUN groupadd --system --gid 10001 autodidact \
 && useradd --system --uid 10001 --gid autodidact --create-home --home-dir /home/autodidact autodidact \
 && mkdir -p /cache && chown autodidact:autodidact /cache

WORKDIR /app
COPY target/lib/ /app/lib/
COPY target/graal-compiler/ /app/graal-compiler/
COPY scripts/jvm.options scripts/jvm-flags.sh /app/scripts/
COPY docker/entrypoint.sh /app/entrypoint.sh
COPY target/autodidact.jar /app/autodidact.jar

USER autodidact
ENV AUTODIDACT_CACHE=/cache \
    AUTODIDACT_JAVA_OPTS="-XX:MaxRAMPercentage=75"
EXPOSE 8816
# The worker speaks Flight only (its `health` action needs a Flight client): the check is that the port accepts connections.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD bash -c '</dev/tcp/127.0.0.1/8816' || exit 1
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["worker", "--port", "8816"]

# The service: `autodidact serve` (REST control plane and dashboard on 8080, Arrow Flight data plane on 8815).
# Build from the repository root after `./mvnw package` (docker/README.md):
#   docker build -f docker/service.Dockerfile -t autodidact-service:0.1.0 .
FROM eclipse-temurin:25-jre
LABEL org.opencontainers.image.title="autodidact-service" \
      org.opencontainers.image.description="Autodidact service: run queue, REST control plane, Flight data plane"

# curl answers the HEALTHCHECK; the JRE image does not promise to carry it.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 autodidact \
 && useradd --system --uid 10001 --gid autodidact --create-home --home-dir /home/autodidact autodidact \
 && mkdir -p /runs /datasets /cache && chown autodidact:autodidact /runs /datasets /cache

WORKDIR /app
# Largest and least changing first, so a code change rebuilds only the last layers.
COPY target/lib/ /app/lib/
COPY target/graal-compiler/ /app/graal-compiler/
COPY scripts/jvm.options scripts/jvm-flags.sh /app/scripts/
COPY docker/entrypoint.sh /app/entrypoint.sh
COPY configs/ /app/configs/
COPY target/autodidact.jar /app/autodidact.jar

USER autodidact
# DJL extracts libtorch and GraalPy its Python home here on first start (mount a volume to keep them across restarts).
ENV AUTODIDACT_CACHE=/cache \
    AUTODIDACT_DATASETS=/datasets \
    AUTODIDACT_JAVA_OPTS="-XX:MaxRAMPercentage=75"
VOLUME ["/runs", "/datasets"]
EXPOSE 8080 8815
# The JVM, libtorch and GraalPy take 10-20 s to be ready on a small machine.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["/app/entrypoint.sh"]
# The token comes from AUTODIDACT_API_TOKEN (a Kubernetes Secret, or `docker run -e`); without one serve prints a random one.
CMD ["serve", "--config", "/app/configs/service.yaml", "--runs", "/runs", "--datasets", "/datasets"]

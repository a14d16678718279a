#!/usr/bin/env bash
# Entry point of the JVM images (service and worker): the same JVM flags and environment as ./autodidact,
# from the same file (scripts/jvm-flags.sh), over the jar and lib/ that `./mvnw package` produced.
set -euo pipefail
source /app/scripts/jvm-flags.sh
autodidact_java_flags /app/scripts/jvm.options /app/graal-compiler "${AUTODIDACT_CACHE:-$HOME/.cache/autodidact}"
exec java ${AUTODIDACT_JAVA_OPTS:-} "${JAVA_FLAGS[@]}" -cp "/app/autodidact.jar:/app/lib/*" io.autodidact.cli.Main "$@"

# Sourced by ./autodidact and docker/entrypoint.sh so that a JVM started from a checkout and one in a container
# run with the same flags and environment. Static flags live in scripts/jvm.options (a java argument file).
#
#   autodidact_java_flags OPTIONS_FILE GRAAL_DIR CACHE_DIR   -> fills the array JAVA_FLAGS, exports MKL_CBWR
autodidact_java_flags() {
  local options="$1" graal="$2" cache="$3"
  # libtorch's MKL is bitwise reproducible only in this mode: a resumed run must redo work exactly as it was first done.
  export MKL_CBWR="${MKL_CBWR:-AUTO,STRICT}"
  # ...and only with a fixed thread count: dynamic mode lets MKL/OpenMP use fewer threads on a busy machine,
  # which changes reduction order (two runs with one seed then differ in the last bits, then in samples).
  export MKL_DYNAMIC="${MKL_DYNAMIC:-FALSE}" OMP_DYNAMIC="${OMP_DYNAMIC:-FALSE}"
  JAVA_FLAGS=(
    "@$options"
    # The first engine load extracts 445 MB of libtorch, GraalPy its Python home: keep both in a stable place.
    "-DDJL_CACHE_DIR=$cache/djl" "-DENGINE_CACHE_DIR=$cache/djl"
    "-Dpolyglot.engine.userResourceCache=$cache/graalpy"
  )
  # GraalPy's optimizing runtime needs the Graal compiler on the upgrade module path (JVMCI).
  if [ -d "$graal" ] && [ "${AUTODIDACT_GRAAL_JIT:-1}" = "1" ]; then
    JAVA_FLAGS+=(-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI "--upgrade-module-path=$graal")
  fi
}

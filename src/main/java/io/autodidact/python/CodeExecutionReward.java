package io.autodidact.python;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The reward for code tasks (MBPP/HumanEval style): runs the model's program against the problem's tests
 * ({@code metadata.tests}: assert strings or {@code {input, output}} pairs) in sandbox child processes and
 * scores the fraction that pass, with per-test outcomes as {@link io.autodidact.reward.Score#steps()}.
 * Model-written code is always untrusted, so this reward never runs in the service's JVM; each program runs as its
 * own call under its own time limit, so one that must be stopped costs nobody else a result.
 */
public final class CodeExecutionReward {
    static final String MODULE = "autodidact.rewards.code_exec";
    /**
     * Programs per round trip to a child. The child runs each program as its own call under its own time limit
     * ({@link SandboxMain}) and the grader undoes each program's patches before the next, so a runaway program
     * fails alone; only a batch whose child dies (a memory bomb) is retried one program at a time.
     */
    static final int BATCH = 32;

    private CodeExecutionReward() {}

    public static PythonReward create(SandboxLimits limits, int processes, long cacheSize) {
        return create(limits, processes, cacheSize, PythonRuntime.shared());
    }

    static PythonReward create(SandboxLimits limits, int processes, long cacheSize, PythonRuntime runtime) {
        PythonRewardSpec spec = new PythonRewardSpec(Path.of("autodidact", "rewards", "code_exec.py"), Optional.of(MODULE), "reward",
                true, limits, BATCH, processes, cacheSize);
        return PythonReward.bundled(MODULE, spec, runtime, "code_execution");
    }
}

package io.autodidact.python;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The reward for code tasks (MBPP/HumanEval style): runs the model's program against the problem's tests
 * ({@code metadata.tests}: assert strings or {@code {input, output}} pairs) in sandbox child processes and
 * scores the fraction that pass, with per-test outcomes as {@link io.autodidact.reward.Score#steps()}.
 * Model-written code is always untrusted, so this reward never runs in the service's JVM; each program is its
 * one that must be stopped costs nobody else a result.
 */
public final class CodeExecutionReward {
    static final String MODULE = "autodidact.rewards.code_exec";
    /**
     * Programs per call: amortises the round trip to the child. The grader undoes each program's patches
     * before the next; a batch that must be stopped is retried one program at a time, so only the runaway
     * program fails.
     */
    static final int BATCH = 8;

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

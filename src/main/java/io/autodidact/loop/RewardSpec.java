package io.autodidact.loop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A run's reward when it is not the task's verifier ({@code task.reward}): a Python file or directory
 * ({@code python}, with {@code module} for a directory and {@code function}), or the built-in code-execution
 * reward ({@code code_execution: true}, always untrusted). {@code untrusted} code runs in sandbox child
 * processes of {@code heap_mb} each; {@code timeout_ms} bounds each call; {@code workers} contexts or
 * processes score batches of {@code batch} in parallel (0: the default for the machine); {@code cache_size}
 * bounds the score cache.
 */
public record RewardSpec(
        Optional<Path> python, Optional<String> module, String function, boolean codeExecution, boolean untrusted,
        int timeoutMs, int batch, int workers, long cacheSize, int heapMb) {

    public RewardSpec {
        if (cacheSize < 0) throw ConfigMap.error("task.reward.cache_size", "must be >= 0 (0 turns the cache off), got " + cacheSize);
        if (python.isPresent() == codeExecution)
            throw ConfigMap.error("task.reward", "give either python (a .py file or directory) or code_execution: true");
        if (python.isPresent() && !Files.exists(python.get()))
            throw ConfigMap.error("task.reward.python", python.get() + " does not exist; give a path relative to the config file or absolute");
        if (codeExecution && !untrusted)
            throw ConfigMap.error("task.reward.untrusted", "model-written code always runs untrusted; remove untrusted: false");
        if (python.isPresent() && Files.isDirectory(python.get()) && module.isEmpty())
            throw ConfigMap.error("task.reward.module", python.get() + " is a directory; name the entry module, e.g. module: my_reward");
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        python.ifPresent(p -> m.put("python", p.toString()));
        module.ifPresent(v -> m.put("module", v));
        if (codeExecution) m.put("code_execution", true);
        else m.put("function", function);
        m.put("untrusted", untrusted);
        m.put("timeout_ms", timeoutMs);
        m.put("batch", batch);
        m.put("workers", workers);
        m.put("cache_size", cacheSize);
        m.put("heap_mb", heapMb);
        return m;
    }
}

package io.autodidact.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.loop.ConfigMap;
import io.autodidact.python.SampleFile;
import io.autodidact.reward.Sample;
import io.autodidact.task.RewardTrial;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Tries a reward on a small batch before a run: the HTTP face of {@code autodidact reward score}. */
@Controller("/api/rewards")
@Tag(name = "rewards")
final class RewardsController {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("reward", "samples");
    private static final String EXAMPLE = """
            {"reward": {"verifier": "numeric", "options": {"marker": "Answer:"}},
             "samples": [{"prompt": "What is 2+3?", "completion": "Answer: 5", "answer": "5"}]}""";
    private final ApiSettings settings;
    private final ServiceMetrics metrics;

    RewardsController(ApiSettings settings, ServiceMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    /** What a reward trial returns: the reward's name, one row per sample (as the CLI prints them), and totals. */
    @Serdeable
    record ScoreResponse(String reward,
            @Schema(description = "per sample: id, score, correct, error (score and correct are null when error says why), millis, "
                    + "and message and steps when the reward gave them") List<Map<String, Object>> results,
            @Schema(description = "samples, correct, errors, mean_score (over the samples scored), seconds") Map<String, Object> summary) {}

    /**
     * Scores up to {@code max_score_samples} samples ({@code prompt}, {@code completion}, optional {@code answer},
     * {@code metadata}, {@code id}) with one reward: {@code {verifier: exact|numeric|regex, options: {...}}}, Python
     * {@code {source: "def reward(sample): ..."}} or {@code {path: "rewards/my.py"}} (with {@code function},
     * {@code module}, {@code untrusted}: default true, i.e. in a sandbox child process, and {@code timeout_ms}), or
     * {@code {code_execution: true}}. Needs an operator token: it runs code.
     */
    @io.swagger.v3.oas.annotations.Operation(summary = "Score a small batch of samples with a Java verifier or Python code")
    @Post(value = "/score", consumes = MediaType.APPLICATION_JSON)
    @ExecuteOn(TaskExecutors.BLOCKING)
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            examples = @ExampleObject(name = "numeric verifier", value = EXAMPLE)))
    ScoreResponse score(@Body String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body == null ? "" : body);
        } catch (IOException e) {
            throw ConfigMap.error("body", "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) throw ConfigMap.error("body", "send a JSON object {reward: {...}, samples: [...]}");
        root.fieldNames().forEachRemaining(k -> {
            if (!KEYS.contains(k)) throw ConfigMap.error(k, "unknown key; valid keys: " + new TreeSet<>(KEYS));
        });
        JsonNode reward = root.get("reward"), samples = root.get("samples");
        if (reward == null || !reward.isObject())
            throw ConfigMap.error("reward", "missing or not an object; e.g. {\"verifier\": \"exact\"} or {\"source\": \"def reward(sample): ...\"}");
        if (samples == null || !samples.isArray() || samples.isEmpty())
            throw ConfigMap.error("samples", "give a non-empty array of {prompt, completion, answer, metadata, id}");
        if (samples.size() > settings.maxScoreSamples())
            throw ConfigMap.error("samples", samples.size() + " samples; at most " + settings.maxScoreSamples()
                    + " per request (max_score_samples in the service settings); for more, use `autodidact reward score`");
        @SuppressWarnings("unchecked")
        RewardTrial.Choice choice = RewardTrial.parse(new ConfigMap("reward", JSON.convertValue(reward, Map.class)));
        List<Sample> batch = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            String where = "samples[" + i + "]";
            try {
                batch.add(SampleFile.sample(samples.get(i), where, "sample-" + i));
            } catch (IllegalArgumentException e) {
                throw ConfigMap.error(where, e.getMessage().substring(where.length() + 2));
            }
        }
        RewardTrial trial;
        try {
            trial = RewardTrial.open(choice, 1, batch.size());
        } catch (IllegalArgumentException e) {
            throw ConfigMap.error(switch (choice) {
                case RewardTrial.Verifier v -> "reward.options";
                case RewardTrial.Python p -> p.source().isPresent() ? "reward.source" : "reward.path";
                case RewardTrial.CodeExecution c -> "reward.code_execution";
            }, e.getMessage());
        }
        try (trial) {
            long t0 = System.nanoTime();
            List<RewardTrial.Result> results = trial.score(batch);
            RewardTrial.Summary s = RewardTrial.summarize(results, (System.nanoTime() - t0) / 1e9);
            metrics.rewardCalls("trial", s.samples(), s.errors());
            return new ScoreResponse(trial.name(), results.stream().map(RewardTrial.Result::toMap).toList(), Map.of("samples", s.samples(),
                    "correct", s.correct(), "errors", s.errors(), "mean_score", s.meanScore(), "seconds", s.seconds()));
        }
    }
}

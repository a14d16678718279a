package io.autodidact.python;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Encodes samples as a request of {@code autodidact/host.py} and decodes its response into {@link Score}s. */
final class RewardRequests {
    private static final JsonFactory FACTORY = new JsonFactory();

    private RewardRequests() {}

    static String encode(List<Sample> samples) {
        StringWriter w = new StringWriter(256 * samples.size());
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            g.writeArrayFieldStart("samples");
            for (Sample s : samples) {
                g.writeStartObject();
                g.writeStringField("id", s.problem().id());
                g.writeStringField("prompt", s.problem().prompt());
                g.writeStringField("completion", s.completion());
                if (s.problem().answer().isPresent()) g.writeStringField("answer", s.problem().answer().get());
                else g.writeNullField("answer");
                g.writeObjectFieldStart("metadata");
                for (Map.Entry<String, String> e : s.problem().metadata().entrySet()) g.writeStringField(e.getKey(), e.getValue());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * One score per result. Without {@code correct}, a score of at least 1 counts as correct, so a plain
     * 0/1 reward and "fraction of tests passed" both mean what they say.
     */
    static List<Score> decode(String response, int expected, String rewardName) {
        JsonNode results = SandboxProtocol.read(response).get("results");
        if (results == null || results.size() != expected)
            throw new PythonCallException(PythonCallException.Kind.CRASH, "the Python host answered " + (results == null ? "no" : results.size())
                    + " results for " + expected + " samples");
        List<Score> out = new ArrayList<>(expected);
        for (JsonNode r : results) {
            JsonNode score = r.get("score");
            if (score == null || score.isNull()) {
                out.add(Score.failed(rewardName + ": " + r.get("error").asText()));
                continue;
            }
            List<Double> steps = new ArrayList<>();
            for (JsonNode s : r.get("steps")) steps.add(s.asDouble());
            JsonNode correct = r.get("correct");
            double value = score.asDouble();
            out.add(new Score(value, correct == null || correct.isNull() ? value >= 1.0 : correct.asBoolean(),
                    r.get("message").asText(), "", steps));
        }
        return out;
    }
}

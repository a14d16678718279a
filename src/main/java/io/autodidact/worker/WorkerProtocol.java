package io.autodidact.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.autodidact.engine.Objective;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.djl.LoraConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The worker protocol, version {@value #VERSION} ({@code flight/worker-protocol.md}): the header that carries the
 * version, the action and exchange names, the exact Arrow schemas of every stream, and the JSON forms of sampling
 * parameters and objectives. Shared by the worker ({@link WorkerServer}) and its client ({@code engine.remote}).
 */
public final class WorkerProtocol {
    private WorkerProtocol() {}

    /** Bumped on any incompatible change to an action, a schema or a JSON body. */
    public static final int VERSION = 4;
    /** Every call carries {@code autodidact-worker-protocol: <VERSION>}; a worker refuses any other value. */
    public static final String VERSION_HEADER = "autodidact-worker-protocol";

    public static final List<String> ACTIONS = List.of("worker-info", "health", "load-model", "fork-model", "unload-model",
            "save-checkpoint", "set-weights", "shutdown");
    public static final List<String> EXCHANGES = List.of("generate", "logprobs", "self-certainty", "train", "train-stream", "echo");

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final ArrowType INT32 = new ArrowType.Int(32, true);
    private static final ArrowType INT64 = new ArrowType.Int(64, true);
    private static final ArrowType FLOAT32 = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
    private static final ArrowType FLOAT64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);

    static Field scalar(String name, ArrowType type) {
        return new Field(name, FieldType.notNullable(type), null);
    }

    static Field list(String name, ArrowType element) {
        return new Field(name, FieldType.notNullable(ArrowType.List.INSTANCE), List.of(new Field("item", FieldType.notNullable(element), null)));
    }

    /** generate in: one row per sample wanted; (prompt_index, sample_index) keys the row and seeds its random stream. */
    public static final Schema GENERATE_REQUEST = new Schema(List.of(scalar("prompt_index", INT32), scalar("sample_index", INT32),
            list("prompt_tokens", INT32)));
    /** generate out: one row per finished sample, streamed as samples finish. */
    public static final Schema ROLLOUT = new Schema(List.of(scalar("prompt_index", INT32), scalar("sample_index", INT32),
            list("tokens", INT32), list("logprobs", FLOAT32), scalar("text", ArrowType.Utf8.INSTANCE),
            scalar("finish_reason", ArrowType.Utf8.INSTANCE)));
    public static final Schema LOGPROBS_REQUEST = new Schema(List.of(scalar("row_index", INT32), list("prompt_tokens", INT32),
            list("completion_tokens", INT32)));
    public static final Schema LOGPROBS_RESULT = new Schema(List.of(scalar("row_index", INT32), list("logprobs", FLOAT32)));
    /** Self-certainty takes {@link #LOGPROBS_REQUEST} and answers one number per row. */
    public static final Schema SELF_CERTAINTY_RESULT = new Schema(List.of(scalar("row_index", INT32), scalar("self_certainty", FLOAT64)));
    public static final Schema TRAIN_REQUEST = new Schema(List.of(list("tokens", INT32), scalar("completion_start", INT32),
            scalar("weight", FLOAT32), list("token_weights", FLOAT32), list("old_logprobs", FLOAT32), list("ref_logprobs", FLOAT32),
            scalar("off_policy", ArrowType.Bool.INSTANCE), scalar("kl_weight", FLOAT32)));
    public static final Schema TRAIN_RESULT = new Schema(List.of(scalar("loss", FLOAT64), scalar("grad_norm", FLOAT64),
            scalar("learning_rate", FLOAT64), scalar("tokens", INT32), scalar("monitors", ArrowType.Utf8.INSTANCE)));
    /**
     * Weights: one row per chunk of a tensor; {@code data} holds elements [offset, offset + n) of the flattened
     * tensor as little-endian float32 bytes.
     */
    public static final Schema WEIGHTS = new Schema(List.of(scalar("name", ArrowType.Utf8.INSTANCE), list("shape", INT64),
            scalar("offset", INT64), scalar("data", ArrowType.Binary.INSTANCE)));

    /** Refuses a stream whose schema is not exactly {@code expected} (names, types, order), saying what differs. */
    public static void requireSchema(Schema actual, Schema expected, String stream) {
        List<Field> a = actual.getFields(), e = expected.getFields();
        for (int i = 0; i < Math.max(a.size(), e.size()); i++) {
            String want = i < e.size() ? describe(e.get(i)) : "no column", got = i < a.size() ? describe(a.get(i)) : "no column";
            if (!want.equals(got))
                throw invalid(stream + ": column " + i + " is " + got + " but protocol " + VERSION + " expects " + want
                        + "; the " + stream + " schema is " + columns(expected) + " (flight/worker-protocol.md)");
        }
    }

    private static String describe(Field f) {
        return f.getName() + ": " + typeName(f);
    }

    private static String typeName(Field f) {
        return f.getType() instanceof ArrowType.List ? "list<" + typeName(f.getChildren().getFirst()) + ">" : switch (f.getType()) {
            case ArrowType.Int i -> (i.getIsSigned() ? "int" : "uint") + i.getBitWidth();
            case ArrowType.FloatingPoint p -> p.getPrecision() == FloatingPointPrecision.SINGLE ? "float32" : p.getPrecision() == FloatingPointPrecision.DOUBLE ? "float64" : "float16";
            case ArrowType.Utf8 u -> "utf8";
            case ArrowType.Binary b -> "binary";
            default -> f.getType().toString();
        };
    }

    public static String columns(Schema s) {
        List<String> out = new ArrayList<>();
        for (Field f : s.getFields()) out.add(describe(f));
        return "[" + String.join(", ", out) + "]";
    }

    // ------------------------------------------------------------------ JSON bodies

    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** Parses a request body; anything but a JSON object is INVALID_ARGUMENT. */
    public static ObjectNode parse(byte[] body, String what) {
        try {
            JsonNode n = JSON.readTree(body.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : body);
            if (n instanceof ObjectNode o) return o;
        } catch (IOException ignored) {
            // reported below with the text that was sent
        }
        throw invalid(what + ": the body must be a JSON object, got \"" + abbreviate(new String(body, StandardCharsets.UTF_8)) + "\"");
    }

    /** Refuses keys outside {@code allowed}, so a typo never silently changes a request. */
    public static void requireKeys(ObjectNode body, Set<String> allowed, String what) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) throw invalid(what + ": unknown key \"" + k + "\"; valid keys are " + new java.util.TreeSet<>(allowed));
        }
    }

    public static String text(ObjectNode body, String key, String what) {
        JsonNode n = body.get(key);
        if (n == null || !n.isTextual() || n.asText().isBlank()) throw invalid(what + ": \"" + key + "\" (a non-empty string) is required");
        return n.asText();
    }

    public static Optional<String> optionalText(ObjectNode body, String key, String what) {
        return body.has(key) ? Optional.of(text(body, key, what)) : Optional.empty();
    }

    public static double number(ObjectNode body, String key, double fallback, String what) {
        JsonNode n = body.get(key);
        if (n == null) return fallback;
        if (!n.isNumber()) throw invalid(what + ": \"" + key + "\" must be a number, got " + n);
        return n.asDouble();
    }

    public static int integer(ObjectNode body, String key, int fallback, String what) {
        JsonNode n = body.get(key);
        if (n == null) return fallback;
        if (!n.canConvertToInt() || !n.isIntegralNumber()) throw invalid(what + ": \"" + key + "\" must be an integer, got " + n);
        return n.asInt();
    }

    public static ObjectNode sampling(SamplingParams p) {
        ObjectNode o = object();
        o.put("temperature", p.temperature());
        o.put("top_p", p.topP());
        o.put("top_k", p.topK());
        o.put("max_new_tokens", p.maxNewTokens());
        var stop = o.putArray("stop");
        p.stop().forEach(stop::add);
        o.put("seed", p.seed());
        return o;
    }

    public static SamplingParams sampling(JsonNode node, String what) {
        if (!(node instanceof ObjectNode o)) throw invalid(what + ": \"sampling\" (an object) is required");
        requireKeys(o, Set.of("temperature", "top_p", "top_k", "max_new_tokens", "stop", "seed"), what + ".sampling");
        List<String> stop = new ArrayList<>();
        if (o.has("stop")) for (JsonNode s : o.get("stop")) stop.add(s.asText());
        JsonNode seed = o.get("seed");
        try {
            return new SamplingParams(1, number(o, "temperature", 1, what), number(o, "top_p", 1, what), integer(o, "top_k", 0, what),
                    integer(o, "max_new_tokens", 64, what), stop, seed == null ? 0 : seed.asLong());
        } catch (IllegalArgumentException e) {
            throw invalid(what + ".sampling: " + e.getMessage());
        }
    }

    public static ObjectNode objective(Objective obj) {
        ObjectNode o = object();
        o.put("loss", obj.loss().name().toLowerCase(java.util.Locale.ROOT));
        o.put("eps_low", obj.epsLow());
        o.put("eps_high", obj.epsHigh());
        o.put("kl_coef", obj.klCoef());
        o.put("averaging", obj.averaging().name().toLowerCase(java.util.Locale.ROOT));
        o.put("max_length", obj.maxLength());
        o.put("gamma_percentile", obj.offPolicyPercentile());
        if (obj.pairwise()) o.put("beta", obj.beta());
        o.put("kernel", obj.kernel().backend());
        obj.kernel().code().ifPresent(c -> o.put("kernel_code", c.toAbsolutePath().toString()));
        if (!obj.kernel().module().isEmpty()) o.put("kernel_module", obj.kernel().module());
        if (!obj.kernel().function().isEmpty()) o.put("kernel_function", obj.kernel().function());
        return o;
    }

    /**
     * One step of a {@code train-stream}: its id (the same id sent again is not applied again) and the parameters the
     * {@code train} descriptor carries, as the app metadata of the step's batch.
     */
    public static ObjectNode trainStep(long step, double learningRate, int microBatchSize, Objective objective) {
        ObjectNode o = object().put("step", step).put("learning_rate", learningRate).put("micro_batch_size", microBatchSize);
        o.set("objective", objective(objective));
        return o;
    }

    public static Objective objective(JsonNode node, String what) {
        if (node == null) return Objective.sft();
        if (!(node instanceof ObjectNode o)) throw invalid(what + ": \"objective\" must be an object");
        requireKeys(o, Set.of("loss", "eps_low", "eps_high", "kl_coef", "averaging", "max_length", "gamma_percentile", "beta", "kernel", "kernel_code",
                "kernel_module", "kernel_function"), what + ".objective");
        try {
            String lossName = optionalText(o, "loss", what).orElse("sft");
            Objective.Loss loss = switch (lossName) {
                case "sft" -> Objective.Loss.SFT;
                case "policy_gradient" -> Objective.Loss.POLICY_GRADIENT;
                case "dpo" -> Objective.Loss.DPO;
                default -> throw new IllegalArgumentException("loss must be sft, policy_gradient or dpo, got \"" + lossName + "\"");
            };
            String backend = optionalText(o, "kernel", what).orElse("java");
            Optional<String> code = optionalText(o, "kernel_code", what);
            Objective.Kernel kernel = code.isPresent()
                    ? Objective.Kernel.file(Path.of(code.get()), optionalText(o, "kernel_module", what).orElse(""), text(o, "kernel_function", what))
                    : backend.equals("java") ? Objective.Kernel.JAVA : Objective.Kernel.python();
            if (!backend.equals("java") && !backend.equals("python"))
                throw new IllegalArgumentException("kernel must be java or python, got \"" + backend + "\"");
            return new Objective(loss, number(o, "eps_low", 0.2, what), number(o, "eps_high", 0.2, what), number(o, "kl_coef", 0, what),
                    Objective.Averaging.parse(optionalText(o, "averaging", what).orElse("token"), what + ".objective.averaging"),
                    integer(o, "max_length", 0, what), kernel, number(o, "gamma_percentile", Objective.DEFAULT_OFF_POLICY_PERCENTILE, what),
                    number(o, "beta", 0.1, what), Objective.Reference.BASE);
        } catch (IllegalArgumentException e) {
            throw invalid(what + ".objective: " + e.getMessage());
        }
    }

    public static ObjectNode lora(LoraConfig l) {
        ObjectNode o = object().put("rank", l.rank()).put("alpha", l.alpha()).put("dropout", l.dropout());
        l.targets().forEach(o.putArray("targets")::add);
        return o;
    }

    /** {@code load-model}'s {@code lora}: absent or null for none; omitted keys take rank 8, alpha 16, dropout 0, [q_proj, v_proj]. */
    public static Optional<LoraConfig> lora(JsonNode node, String what) {
        if (node == null || node.isNull()) return Optional.empty();
        if (!(node instanceof ObjectNode l)) throw invalid(what + ": \"lora\" must be an object {rank, alpha, dropout, targets}");
        requireKeys(l, Set.of("rank", "alpha", "dropout", "targets"), what + ".lora");
        List<String> targets = new ArrayList<>();
        l.path("targets").forEach(t -> targets.add(t.asText()));
        try {
            return Optional.of(new LoraConfig(integer(l, "rank", 8, what), number(l, "alpha", 16, what), number(l, "dropout", 0, what),
                    targets.isEmpty() ? List.of("q_proj", "v_proj") : targets));
        } catch (IllegalArgumentException e) {
            throw invalid(what + ".lora: " + e.getMessage());
        }
    }

    public static FlightRuntimeException invalid(String message) {
        return CallStatus.INVALID_ARGUMENT.withDescription(message).toRuntimeException();
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}

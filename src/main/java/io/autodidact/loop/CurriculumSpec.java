package io.autodidact.loop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A run's {@code curriculum:} section, validated: a pass-rate band filter or SEC. */
public sealed interface CurriculumSpec {
    List<String> KINDS = List.of("none", "band", "sec");
    List<String> ADVANTAGES = List.of("grpo", "drgrpo", "rloo");

    /** Candidates drawn per problem the iteration needs (the pool the curriculum chooses from). */
    int pool();

    Map<String, Object> toMap();

    /** How SEC groups problems into arms: by category, by difficulty, or by category when the pool has several. */
    enum Arms { AUTO, CATEGORY, DIFFICULTY }

    /**
     * Keep problems whose pass rate in the last {@code window} iterations lies in [low, high]; a problem not
     * sampled there takes its difficulty's (or category's) recent pass rate; with neither it is kept.
     */
    record Band(double low, double high, int window, int pool) implements CurriculumSpec {
        public Band {
            if (!(low >= 0 && low <= 1)) throw ConfigMap.error("curriculum.low", "must be in [0, 1], got " + low);
            if (!(high >= low && high <= 1)) throw ConfigMap.error("curriculum.high", "must be in [curriculum.low, 1], got " + high);
            if (window < 1) throw ConfigMap.error("curriculum.window", "must be >= 1, got " + window);
            if (pool < 1) throw ConfigMap.error("curriculum.pool", "must be >= 1, got " + pool);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "band");
            m.put("low", low);
            m.put("high", high);
            m.put("window", window);
            m.put("pool", pool);
            return m;
        }
    }

    /**
     * Self-Evolving Curriculum: arms with values Q, softmax(Q / temperature) sampling per problem, the arm's reward the
     * mean |group advantage| of its samples, {@code Q <- alpha r + (1 - alpha) Q} for every arm after each iteration.
     */
    record Sec(double alpha, double temperature, Arms arms, String advantage, int pool) implements CurriculumSpec {
        public Sec {
            if (!(alpha > 0 && alpha <= 1)) throw ConfigMap.error("curriculum.alpha", "must be in (0, 1], got " + alpha);
            if (!(temperature > 0)) throw ConfigMap.error("curriculum.temperature", "must be > 0, got " + temperature);
            Objects.requireNonNull(arms, "arms");
            if (!ADVANTAGES.contains(advantage))
                throw ConfigMap.error("curriculum.advantage", "must be one of " + ADVANTAGES + ", got \"" + advantage + "\"");
            if (pool < 1) throw ConfigMap.error("curriculum.pool", "must be >= 1, got " + pool);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "sec");
            m.put("alpha", alpha);
            m.put("temperature", temperature);
            m.put("arms", arms.name().toLowerCase(Locale.ROOT));
            m.put("advantage", advantage);
            m.put("pool", pool);
            return m;
        }
    }

    /** Reads the section; {@code kind: none} (or no section) is no curriculum. Keys of another kind are refused. */
    static Optional<CurriculumSpec> read(ConfigMap c) {
        String kind = c.string("kind", "none");
        Optional<CurriculumSpec> spec = switch (kind) {
            case "none" -> Optional.empty();
            case "band" -> Optional.of(new Band(c.number("low", 0.1), c.number("high", 0.9), c.integer("window", 2),
                    c.integer("pool", 4)));
            case "sec" -> {
                String arms = c.string("arms", "auto");
                Arms a;
                try {
                    a = Arms.valueOf(arms.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw ConfigMap.error("curriculum.arms", "must be auto, category or difficulty, got \"" + arms + "\"");
                }
                yield Optional.of(new Sec(c.number("alpha", 0.5), c.number("temperature", 1.0), a,
                        c.string("advantage", "grpo"), c.integer("pool", 4)));
            }
            default -> throw ConfigMap.error("curriculum.kind", "must be one of " + KINDS + ", got \"" + kind + "\"");
        };
        c.finish();
        return spec;
    }
}

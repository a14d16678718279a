package io.autodidact.curriculum;

import io.autodidact.loop.Curriculum;
import io.autodidact.loop.CurriculumSpec;
import io.autodidact.loop.Problem;

/** The curriculum of a run's {@code curriculum:} section. */
public final class Curricula {
    private Curricula() {}

    public static Curriculum of(CurriculumSpec spec) {
        return switch (spec) {
            case CurriculumSpec.Band b -> new PassRateBand(b);
            case CurriculumSpec.Sec s -> new SelfEvolvingCurriculum(s);
        };
    }

    /** A problem's group for pass rates and arms: its category or its difficulty ("none" when it has neither). */
    static String group(Problem p, boolean byCategory) {
        if (byCategory) return p.category().orElse("none");
        if (p.difficulty().isEmpty()) return "none";
        double d = p.difficulty().getAsDouble();
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** Whether the problems carry more than one category, so that categories, not difficulties, tell them apart. */
    static boolean severalCategories(Iterable<Problem> problems) {
        String first = null;
        for (Problem p : problems) {
            String c = p.category().orElse("");
            if (first == null) first = c;
            else if (!first.equals(c)) return true;
        }
        return false;
    }
}

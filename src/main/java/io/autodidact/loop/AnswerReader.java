package io.autodidact.loop;

import java.util.Optional;

/**
 * The final answer a completion states, normalised so that two completions stating the same answer give equal
 * strings; empty when it states none. What label-free recipes vote on. A task's own extraction and
 * {@code reward.AnswerExtractor} both fit: {@code task::answerOf}, {@code extractor::extract}.
 */
@FunctionalInterface
public interface AnswerReader {
    Optional<String> answer(String completion);
}

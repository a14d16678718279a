package io.autodidact.task;

import java.util.Objects;

/** A labelled example (prompt and the completion to imitate) used to train the base policy before self-training. */
public record SeedExample(String prompt, String completion) {
    public SeedExample {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(completion, "completion");
        if (prompt.isEmpty()) throw new IllegalArgumentException("seed example prompt must not be empty");
        if (completion.isEmpty())
            throw new IllegalArgumentException("seed example completion must not be empty (prompt \"" + prompt + "\")");
    }
}

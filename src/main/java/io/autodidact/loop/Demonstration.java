package io.autodidact.loop;

import java.util.Objects;

/** A labelled example (prompt and the completion to imitate), as used to bootstrap a base policy. */
public record Demonstration(String prompt, String completion) {
    public Demonstration {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(completion, "completion");
        if (prompt.isEmpty()) throw new IllegalArgumentException("demonstration prompt must not be empty");
        if (completion.isEmpty()) throw new IllegalArgumentException("demonstration completion must not be empty");
    }
}

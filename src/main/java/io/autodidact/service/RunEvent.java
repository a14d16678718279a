package io.autodidact.service;

import java.util.Map;

/** One event of a run's live stream: {@code status}, {@code stage}, {@code progress} or {@code metrics}. */
public record RunEvent(String type, Map<String, Object> data) {
    public RunEvent {
        data = Map.copyOf(data);
    }
}

package io.autodidact.python;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Memoised scores, keyed by (reward version, problem id, digest of the sample). The version is the SHA-256 of
 * the reward's sources, so an edited reward file never hits old entries; the digest covers the completion
 * and the problem's prompt, answer and metadata, so a problem id reused with other content does not either.
 * Only successful scores are kept: a timeout may not repeat.
 */
final class ScoreCache {
    record Key(String version, String problemId, String digest) {}

    private final Cache<Key, Score> cache;

    ScoreCache(long maxSize) {
        this.cache = Caffeine.newBuilder().maximumSize(maxSize).recordStats().build();
    }

    static Key key(String version, Sample s) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            update(d, s.completion());
            update(d, s.problem().prompt());
            update(d, s.problem().answer().orElse("\u0000none"));
            for (Map.Entry<String, String> e : new TreeMap<>(s.problem().metadata()).entrySet()) {
                update(d, e.getKey());
                update(d, e.getValue());
            }
            return new Key(version, s.problem().id(), java.util.HexFormat.of().formatHex(d.digest(), 0, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static void update(MessageDigest d, String s) {
        d.update(s.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
    }

    Optional<Score> get(Key key) {
        return Optional.ofNullable(cache.getIfPresent(key));
    }

    void put(Key key, Score score) {
        if (!score.failed()) cache.put(key, score);
    }

    void invalidateAll() {
        cache.invalidateAll();
    }

    CacheStats stats() {
        return cache.stats();
    }
}

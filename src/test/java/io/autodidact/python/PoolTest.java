package io.autodidact.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lending behind both Python backends, with plain members so that each rule can be seen on its own. */
class PoolTest {
    private static final class Member implements Pool.Member {
        volatile boolean dead, closed;

        @Override
        public boolean dead() {
            return dead;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void aMemberThatDiedIsClosedCountedAndReplaced() throws Exception {
        List<Member> made = new ArrayList<>();
        try (Pool<Member> pool = new Pool<>("test member", 1, () -> {
            Member m = new Member();
            synchronized (made) {
                made.add(m);
            }
            return m;
        })) {
            Member first = pool.with(m -> m);
            pool.with(m -> m.dead = true);
            assertTrue(first.closed);
            assertEquals(1, pool.replacements());
            Member next = pool.with(m -> m);
            assertFalse(next == first, "a fresh member serves the next call");
            assertEquals(List.of(next), pool.members());
            assertEquals(2, made.size(), "one replacement, never more than size at once");
        }
    }

    @Test
    void closingWaitsForTheBusyMemberInsteadOfCuttingItsCallShort() throws Exception {
        Pool<Member> pool = new Pool<>("test member", 1, Member::new);
        java.util.concurrent.CountDownLatch inCall = new java.util.concurrent.CountDownLatch(1), release = new java.util.concurrent.CountDownLatch(1);
        Member[] used = new Member[1];
        Thread caller = Thread.ofPlatform().start(() -> pool.with(m -> {
            used[0] = m;
            inCall.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return m;
        }));
        assertTrue(inCall.await(10, TimeUnit.SECONDS));
        pool.close();
        assertFalse(used[0].closed, "still in its call");
        release.countDown();
        caller.join(10_000);
        assertTrue(used[0].closed, "closed when the call returned");
        assertThrows(IllegalStateException.class, () -> pool.with(m -> m));
    }

    @Test
    void refusesASizeBelowOneNamingWhatItPools() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Pool<>("sandbox process", 0, Member::new));
        assertTrue(e.getMessage().contains("sandbox process pool size must be >= 1"), e.getMessage());
    }
}

package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.Function;
import com.sun.jna.Platform;
import org.junit.jupiter.api.Test;

class LibTorchTest {
    /** libgomp reads the C environment when libtorch loads, so that is where the policy must be. */
    @Test
    void loadsLibtorchWithOpenMpThreadsWaitingPassivelyUnlessTheEnvironmentSaysOtherwise() {
        LibTorch.engine();
        String given = System.getenv(LibTorch.WAIT_POLICY);
        String seen = Function.getFunction(Platform.C_LIBRARY_NAME, "getenv").invokeString(new Object[] {LibTorch.WAIT_POLICY}, false);
        assertEquals(given == null ? "PASSIVE" : given, seen);
    }
}

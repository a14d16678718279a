package io.autodidact.run;

import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.remote.RemoteEngineFactory;
import io.autodidact.loop.RunSpec;
import java.util.Map;

/** The engine factory a run config's {@code engine.type} names: the in-process DJL engine, or remote workers. */
public final class EngineFactories {
    private EngineFactories() {}

    /** {@code defaultThreads} applies to the in-process engine when the config leaves threads at 0; {@code env} holds the workers' token. */
    public static EngineFactory forRun(RunSpec spec, int defaultThreads, Map<String, String> env) {
        return spec.engine().remote() ? RemoteEngineFactory.forRun(spec, env) : DjlEngineFactory.forRun(spec, defaultThreads);
    }
}

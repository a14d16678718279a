package io.autodidact.api;

import io.autodidact.loop.ConfigMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The service's settings ({@code configs/service.yaml}), validated like run configs: unknown keys are refused by name. */
public record ServiceConfig(int httpPort, int flightPort, Path runs, Path datasets, int concurrency, int threads, Map<String, Role> tokens,
        ApiSettings api) {
    public ServiceConfig {
        tokens = Map.copyOf(tokens);
        java.util.Objects.requireNonNull(api, "api");
    }

    public static ServiceConfig defaults() {
        return new ServiceConfig(8080, 8815, Path.of("runs"), Path.of("datasets"), 1, 0, Map.of(), ApiSettings.defaults());
    }

    @SuppressWarnings("unchecked")
    public static ServiceConfig read(Path file) {
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
        } catch (Exception e) {
            throw ConfigMap.error("config", file + " is not readable YAML: " + e.getMessage());
        }
        Map<String, Object> root = doc instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        ConfigMap c = new ConfigMap("", root);
        Path base = file.toAbsolutePath().getParent();
        int http = c.integer("http_port", 8080, 0, 65535), flight = c.integer("flight_port", 8815, 0, 65535);
        Path runs = base.resolve(c.string("runs", "runs")), datasets = base.resolve(c.string("datasets", "datasets"));
        int concurrency = c.integer("concurrency", 1, 1, 1024), threads = c.integer("threads", 0, 0, 1024);
        Map<String, Role> tokens = new LinkedHashMap<>();
        Object list = root.get("tokens");
        c.has("tokens");
        if (list != null && !(list instanceof List<?>)) throw ConfigMap.error("tokens", "must be a list of {token|env, role}");
        int i = 0;
        for (Object o : list == null ? List.of() : (List<?>) list) {
            if (!(o instanceof Map<?, ?> entry)) throw ConfigMap.error("tokens[" + i + "]", "must be a mapping {token|env, role}");
            ConfigMap t = new ConfigMap("tokens[" + i + "]", (Map<String, Object>) entry);
            String roleName = t.string("role", "viewer");
            Role role = switch (roleName) {
                case "viewer" -> Role.VIEWER;
                case "operator" -> Role.OPERATOR;
                default -> throw ConfigMap.error("tokens[" + i + "].role", "must be viewer or operator, got \"" + roleName + "\"");
            };
            String token = t.string("token", null), env = t.string("env", null);
            t.finish();
            if ((token == null) == (env == null)) throw ConfigMap.error("tokens[" + i + "]", "give exactly one of token or env");
            String value = token != null ? token : System.getenv(env);
            if (value != null && !value.isBlank()) tokens.put(value, role);
            i++;
        }
        java.util.Set<PublicEndpoint> open = java.util.EnumSet.noneOf(PublicEndpoint.class);
        List<String> openNames = c.strings("open", ApiSettings.defaults().open().stream().map(PublicEndpoint::label).toList());
        for (int j = 0; j < openNames.size(); j++) {
            try {
                open.add(PublicEndpoint.named(openNames.get(j)));
            } catch (IllegalArgumentException e) {
                throw ConfigMap.error("open[" + j + "]", e.getMessage());
            }
        }
        int maxScore = c.integer("max_score_samples", ApiSettings.DEFAULT_MAX_SCORE_SAMPLES, 1, 100_000);
        c.finish();
        return new ServiceConfig(http, flight, runs, datasets, concurrency, threads, tokens, new ApiSettings(open, maxScore));
    }
}

package io.autodidact.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.autodidact.api.ServiceConfig;
import io.autodidact.flight.FlightConfig;
import io.autodidact.loop.UploadedDatasets;
import io.micronaut.http.annotation.Controller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * No Docker engine or cluster runs where the tests run, so this checks what can be checked without one, on the real
 * files after {@code ./mvnw package} (failsafe runs it in the integration-test phase of {@code verify}): every file a
 * Dockerfile copies exists and is let into the build context, the containers start the JVM with the launcher's flags,
 * and the Kubernetes manifests parse and agree with each other, the Dockerfiles, the code and configs/service.yaml on
 * ports, paths, image names and environment variable names.
 */
class DeploymentFilesIT {

    private static final Path REPO = Path.of("").toAbsolutePath();
    private static final Path BUILD = Path.of(System.getProperty("autodidact.buildDir", "target")).toAbsolutePath();
    private static final Path DOCKER = REPO.resolve("docker");
    private static final Path K8S = DOCKER.resolve("k8s");
    private static final List<String> DOCKERFILES = List.of("service.Dockerfile", "worker.Dockerfile", "gpu-worker.Dockerfile");
    private static final List<String> JVM_IMAGES = List.of("service.Dockerfile", "worker.Dockerfile");

    @Test
    void everyFileEachDockerfileCopiesExistsAfterPackageAndIsInTheBuildContext() throws IOException {
        List<String> allowed = dockerignoreExceptions();
        for (String name : DOCKERFILES) {
            Dockerfile df = Dockerfile.read(DOCKER.resolve(name));
            assertFalse(df.copies().isEmpty(), name + " copies nothing");
            for (Copy copy : df.copies()) {
                for (String source : copy.sources()) {
                    Path file = REPO.resolve(source);
                    assertTrue(Files.exists(file), name + " copies " + source + ", which does not exist after ./mvnw package");
                    if (Files.isDirectory(file)) {
                        try (Stream<Path> s = Files.list(file)) {
                            assertTrue(s.findAny().isPresent(), name + " copies the empty directory " + source);
                        }
                    }
                    String clean = source.replaceAll("/+$", "");
                    assertTrue(allowed.stream().anyMatch(a -> clean.equals(a) || clean.startsWith(a + "/")),
                            name + " copies " + source + " but .dockerignore keeps it out of the build context; add !" + clean);
                }
            }
        }
    }

    @Test
    void thePackageHoldsWhatTheJvmImagesRun() throws IOException {
        try (JarFile jar = new JarFile(BUILD.resolve("autodidact.jar").toFile())) {
            assertEquals("io.autodidact.cli.Main", jar.getManifest().getMainAttributes().getValue("Main-Class"));
        }
        assertTrue(Files.readString(DOCKER.resolve("entrypoint.sh")).contains(" io.autodidact.cli.Main "),
                "entrypoint.sh must start the CLI's main class");
        Set<String> libs = fileNames(BUILD.resolve("lib"));
        for (String needed : List.of("flight-core-", "pytorch-native-cpu-", "pytorch-jni-", "python-language-", "parquet-hadoop-", "zstd-jni-"))
            assertTrue(libs.stream().anyMatch(l -> l.startsWith(needed)), "target/lib has no " + needed + "*.jar: " + libs);
        // hadoop-common is compile-only (parquet-java's overloads name its types); the export runs without it.
        assertTrue(libs.stream().noneMatch(l -> l.startsWith("hadoop-")), "target/lib must not carry Hadoop: " + libs);
        Set<String> graal = fileNames(BUILD.resolve("graal-compiler"));
        for (String needed : List.of("compiler-", "truffle-compiler-", "collections-", "word-"))
            assertTrue(graal.stream().anyMatch(l -> l.startsWith(needed)), "target/graal-compiler has no " + needed + "*.jar: " + graal);

        // Every /app path the entry point uses is put there by each JVM image.
        Matcher m = Pattern.compile("/app/[A-Za-z0-9._/-]*[A-Za-z0-9_-]").matcher(Files.readString(DOCKER.resolve("entrypoint.sh")));
        Set<String> used = new TreeSet<>();
        while (m.find()) used.add(m.group());
        assertTrue(used.containsAll(List.of("/app/scripts/jvm-flags.sh", "/app/scripts/jvm.options", "/app/graal-compiler",
                "/app/autodidact.jar", "/app/lib")), "entrypoint.sh paths: " + used);
        for (String name : JVM_IMAGES) {
            Dockerfile df = Dockerfile.read(DOCKER.resolve(name));
            for (String path : used)
                assertTrue(df.copies().stream().anyMatch(c -> c.places(path, REPO)), name + " does not put " + path + " in the image");
            assertEquals(List.of("/app/entrypoint.sh"), df.jsonList("ENTRYPOINT"), name);
        }
    }

    @Test
    void containersAndTheLauncherReadTheSameJvmFlags() throws IOException {
        List<String> options = argFile(REPO.resolve("scripts/jvm.options"));
        assertTrue(options.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), "jvm.options lost the flag Flight needs: " + options);
        String pomFlags = System.getProperty("autodidact.pomJvmFlags");
        assertNotNull(pomFlags, "failsafe passes pom.xml's <jvm.flags> as autodidact.pomJvmFlags");
        assertEquals(new TreeSet<>(options), new TreeSet<>(Arrays.asList(pomFlags.trim().split("\\s+"))),
                "pom.xml <jvm.flags> (tests) and scripts/jvm.options (launcher, containers) must hold the same flags");
        String launcher = Files.readString(REPO.resolve("autodidact"));
        assertTrue(launcher.contains("source \"$ROOT/scripts/jvm-flags.sh\"")
                && launcher.contains("autodidact_java_flags \"$ROOT/scripts/jvm.options\"")
                && launcher.contains("\"${JAVA_FLAGS[@]}\""), "./autodidact must take its flags from scripts/jvm-flags.sh");
        String entry = Files.readString(DOCKER.resolve("entrypoint.sh"));
        assertTrue(entry.contains("source /app/scripts/jvm-flags.sh")
                && entry.contains("autodidact_java_flags /app/scripts/jvm.options /app/graal-compiler")
                && entry.contains("\"${JAVA_FLAGS[@]}\""), "docker/entrypoint.sh must take its flags from scripts/jvm-flags.sh");
    }

    @Test
    void everyManifestParsesAndKustomizeAppliesThemAll() throws IOException {
        Set<String> files = new TreeSet<>();
        for (Path p : yamlFiles()) {
            if (p.getFileName().toString().equals("kustomization.yaml")) continue;
            files.add(p.getFileName().toString());
            List<Map<String, Object>> docs = loadAll(p);
            assertFalse(docs.isEmpty(), p + " holds no object");
            for (Map<String, Object> doc : docs) {
                assertTrue(doc.get("apiVersion") instanceof String, p + ": an object has no apiVersion");
                assertTrue(doc.get("kind") instanceof String, p + ": an object has no kind");
                assertTrue(map(doc, "metadata").get("name") instanceof String, p + ": a " + doc.get("kind") + " has no metadata.name");
            }
        }
        Map<String, Object> kustomization = loadAll(K8S.resolve("kustomization.yaml")).getFirst();
        assertEquals(files, new TreeSet<>(strings(kustomization.get("resources"))), "kustomization.yaml must list every manifest");
    }

    @Test
    void theServiceDeploymentAgreesWithItsImageItsServiceAndServiceYaml(@TempDir Path tmp) throws Exception {
        Map<String, Object> deployment = object("Deployment", "autodidact");
        Map<String, Object> pod = map(map(deployment, "spec"), "template");
        Map<String, Object> container = only(list(map(pod, "spec"), "containers"));
        Map<String, Integer> ports = containerPorts(container);
        Dockerfile image = Dockerfile.read(DOCKER.resolve("service.Dockerfile"));

        ServiceConfig repoConfig = ServiceConfig.read(REPO.resolve("configs/service.yaml"));
        Map<String, Object> configMap = object("ConfigMap", "autodidact-config");
        Path clusterConfigFile = Files.writeString(tmp.resolve("service.yaml"), (String) map(configMap, "data").get("service.yaml"));
        ServiceConfig clusterConfig = ServiceConfig.read(clusterConfigFile);
        assertEquals(Map.of("http", repoConfig.httpPort(), "flight", repoConfig.flightPort()), ports, "container ports vs configs/service.yaml");
        assertEquals(Map.of("http", clusterConfig.httpPort(), "flight", clusterConfig.flightPort()), ports, "container ports vs the ConfigMap");
        assertEquals(new TreeSet<>(ports.values()), image.exposed(), "container ports vs EXPOSE in service.Dockerfile");

        Map<String, Object> service = object("Service", "autodidact");
        assertTrue(labels(pod).entrySet().containsAll(map(map(service, "spec"), "selector").entrySet()), "the Service selects no service pod");
        for (Map<String, Object> p : list(map(service, "spec"), "ports")) {
            assertTrue(ports.containsKey((String) p.get("targetPort")), "Service port targets unknown container port " + p.get("targetPort"));
            assertEquals(ports.get((String) p.get("targetPort")), p.get("port"), "Service port " + p.get("name"));
        }
        assertTrue(labels(pod).entrySet().containsAll(map(map(map(deployment, "spec"), "selector"), "matchLabels").entrySet()));

        // Probes ask the endpoint the code serves, the same one the image's HEALTHCHECK asks.
        String health = Class.forName("io.autodidact.api.HealthController", false, getClass().getClassLoader())
                .getAnnotation(Controller.class).value();
        assertTrue(image.instruction("HEALTHCHECK").contains("http://127.0.0.1:" + ports.get("http") + health),
                "service.Dockerfile HEALTHCHECK must ask " + health + " on the http port");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            Map<String, Object> get = map(map(container, probe), "httpGet");
            assertEquals(health, get.get("path"), probe);
            assertEquals("http", get.get("port"), probe);
        }

        // The same command line in the image and the pod, and its paths are where the volumes are.
        List<String> args = strings(container.get("args"));
        assertEquals(image.jsonList("CMD"), args, "Deployment args vs service.Dockerfile CMD");
        Map<String, String> mounts = mounts(container);
        Map<String, String> volumes = new LinkedHashMap<>();
        for (Map<String, Object> v : list(map(pod, "spec"), "volumes")) volumes.put((String) v.get("name"), describe(v));
        assertEquals("configMap:autodidact-config", volumes.get(mounts.get(option(args, "--config"))), "--config must be the ConfigMap");
        assertEquals("service.yaml", subPath(container, option(args, "--config")));
        Map<String, Object> pvc = object("PersistentVolumeClaim", "autodidact-runs");
        for (String path : List.of(option(args, "--runs"), option(args, "--datasets"))) {
            assertEquals("pvc:" + name(pvc), volumes.get(mounts.get(path)), path + " must be on the runs volume");
            assertTrue(image.volumes().contains(path), "service.Dockerfile must declare VOLUME " + path);
        }
        assertEquals(Path.of(option(args, "--runs")), clusterConfig.runs(), "the ConfigMap's runs: vs --runs");
        assertEquals(Path.of(option(args, "--datasets")), clusterConfig.datasets(), "the ConfigMap's datasets: vs --datasets");
        Map<String, String> env = plainEnv(container);
        assertEquals(option(args, "--datasets"), env.get(UploadedDatasets.ROOT_ENV), "runs find uploaded datasets through " + UploadedDatasets.ROOT_ENV);
        assertEquals(option(args, "--datasets"), image.env().get(UploadedDatasets.ROOT_ENV));
        assertEquals(image.env().get("AUTODIDACT_CACHE"), env.get("AUTODIDACT_CACHE"));
        assertEquals("emptyDir", volumes.get(mounts.get(env.get("AUTODIDACT_CACHE"))), "the cache directory must be a writable volume");
    }

    @Test
    void tokensComeFromTheSecretUnderTheNamesTheServiceReads() throws IOException {
        Map<String, Object> secret = object("Secret", "autodidact-tokens");
        Set<String> keys = map(secret, "stringData").keySet();
        assertTrue(keys.contains(FlightConfig.TOKEN_ENV), "the Secret must hold " + FlightConfig.TOKEN_ENV);
        // Every token variable configs/service.yaml reads is one the Secret holds.
        for (Map<String, Object> t : list(loadAll(REPO.resolve("configs/service.yaml")).getFirst(), "tokens"))
            assertTrue(keys.contains((String) t.get("env")), "configs/service.yaml reads " + t.get("env") + ", which the Secret lacks");
        int refs = 0;
        for (Map<String, Object> doc : allObjects()) {
            if (!Set.of("Deployment", "StatefulSet").contains(doc.get("kind"))) continue;
            for (Map<String, Object> c : list(map(map(map(doc, "spec"), "template"), "spec"), "containers")) {
                for (Map<String, Object> e : c.get("env") == null ? List.<Map<String, Object>>of() : list(c, "env")) {
                    if (e.get("valueFrom") == null) continue;
                    Map<String, Object> ref = map(map(e, "valueFrom"), "secretKeyRef");
                    assertEquals(name(secret), ref.get("name"), name(doc) + " env " + e.get("name"));
                    assertTrue(keys.contains((String) ref.get("key")), name(doc) + " reads key " + ref.get("key") + " the Secret lacks");
                    assertEquals(ref.get("key"), e.get("name"), name(doc) + ": the variable and the Secret key must have the same name");
                    refs++;
                }
            }
        }
        assertTrue(refs >= 2, "the service and the workers get their token from the Secret");
        Map<String, Object> service = only(list(map(map(map(object("Deployment", "autodidact"), "spec"), "template"), "spec"), "containers"));
        Set<String> envNames = list(service, "env").stream().map(e -> (String) e.get("name")).collect(Collectors.toSet());
        assertTrue(envNames.containsAll(keys), "the service must see every token in the Secret: " + envNames);
    }

    @Test
    void workersAreStatefulSetsBehindAHeadlessServiceOnTheImagesPort() throws IOException {
        Map<String, Object> headless = object("Service", "autodidact-workers");
        assertEquals("None", map(headless, "spec").get("clusterIP"), "the workers' Service must be headless (clusterIP: None)");
        Map<String, Object> selector = map(map(headless, "spec"), "selector");
        int workerPort = (Integer) only(list(map(headless, "spec"), "ports")).get("port");
        Map<String, String> imageOf = Map.of("autodidact-worker", "worker.Dockerfile", "autodidact-gpu-worker", "gpu-worker.Dockerfile");
        for (Map.Entry<String, String> e : imageOf.entrySet()) {
            Map<String, Object> set = object("StatefulSet", e.getKey());
            Map<String, Object> pod = map(map(set, "spec"), "template");
            assertEquals(name(headless), map(set, "spec").get("serviceName"), e.getKey());
            assertTrue(labels(pod).entrySet().containsAll(selector.entrySet()), "the headless Service does not select " + e.getKey());
            assertTrue(labels(pod).entrySet().containsAll(map(map(map(set, "spec"), "selector"), "matchLabels").entrySet()), e.getKey());
            Map<String, Object> container = only(list(map(pod, "spec"), "containers"));
            Dockerfile image = Dockerfile.read(DOCKER.resolve(e.getValue()));
            assertEquals(Map.of("flight", workerPort), containerPorts(container), e.getKey());
            assertEquals(Set.of(workerPort), image.exposed(), e.getValue() + " EXPOSE");
            assertEquals(String.valueOf(workerPort), option(strings(container.get("args")), "--port"), e.getKey() + " --port");
            assertEquals(image.jsonList("CMD"), strings(container.get("args")), e.getKey() + " args vs " + e.getValue() + " CMD");
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe"))
                assertEquals("flight", map(map(container, probe), "tcpSocket").get("port"), e.getKey() + " " + probe);
            assertTrue(image.instruction("HEALTHCHECK").contains("/dev/tcp/127.0.0.1/" + workerPort), e.getValue() + " HEALTHCHECK port");
        }
        Map<String, Object> gpu = only(list(map(map(map(object("StatefulSet", "autodidact-gpu-worker"), "spec"), "template"), "spec"), "containers"));
        assertEquals(1, map(map(gpu, "resources"), "limits").get("nvidia.com/gpu"), "a GPU worker must be given a GPU");
        assertEquals(1, map(map(gpu, "resources"), "requests").get("nvidia.com/gpu"), "a GPU worker must request a GPU");

        // The example run lists workers by the names the StatefulSet gives its pods.
        Map<String, Object> jvm = object("StatefulSet", "autodidact-worker");
        int replicas = (Integer) map(jvm, "spec").get("replicas");
        Map<String, Object> run = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load((String) map(object("ConfigMap", "autodidact-config"), "data").get("remote-workers.yaml"));
        List<String> workers = strings(map(run, "engine").get("workers"));
        assertFalse(workers.isEmpty());
        for (String w : workers) {
            Matcher m = Pattern.compile(Pattern.quote(name(jvm)) + "-(\\d+)\\." + Pattern.quote(name(headless)) + ":(\\d+)").matcher(w);
            assertTrue(m.matches(), "worker " + w + " is not <statefulset>-<i>.<headless service>:<port>");
            assertTrue(Integer.parseInt(m.group(1)) < replicas, "worker " + w + " is beyond the StatefulSet's " + replicas + " replicas");
            assertEquals(workerPort, Integer.parseInt(m.group(2)), w);
        }
    }

    @Test
    void imageNamesAgreeAcrossManifestsDockerfilesAndBuildCommands() throws IOException {
        Map<String, String> titles = new LinkedHashMap<>();
        for (String name : DOCKERFILES) {
            Matcher m = Pattern.compile("org\\.opencontainers\\.image\\.title=\"([^\"]+)\"").matcher(Dockerfile.read(DOCKER.resolve(name)).instruction("LABEL"));
            assertTrue(m.find(), name + " has no image title label");
            titles.put(m.group(1), name);
        }
        Set<String> built = new LinkedHashSet<>();
        Pattern build = Pattern.compile("docker build -f docker/(\\S+) -t (\\S+) \\.");
        for (Path doc : List.of(DOCKER.resolve("README.md"), DOCKER.resolve("service.Dockerfile"), DOCKER.resolve("worker.Dockerfile"),
                DOCKER.resolve("gpu-worker.Dockerfile"))) {
            Matcher m = build.matcher(Files.readString(doc));
            while (m.find()) {
                String image = m.group(2).replaceFirst("^\\$\\{?REGISTRY\\}?/", "");
                assertEquals(m.group(1), titles.get(image.split(":")[0]), doc.getFileName() + " builds " + image + " from the wrong Dockerfile");
                built.add(image);
            }
        }
        Set<String> used = new TreeSet<>();
        for (Map<String, Object> doc : allObjects()) {
            if (!Set.of("Deployment", "StatefulSet").contains(doc.get("kind"))) continue;
            for (Map<String, Object> c : list(map(map(map(doc, "spec"), "template"), "spec"), "containers")) {
                String image = (String) c.get("image");
                assertTrue(titles.containsKey(image.split(":")[0]), name(doc) + " uses image " + image + ", which no Dockerfile builds");
                assertTrue(built.contains(image), name(doc) + " uses " + image + " but the build commands tag " + built);
                used.add(image.split(":")[0]);
            }
        }
        assertEquals(new TreeSet<>(titles.keySet()), used, "every image is deployed");
    }

    // ---- the files, read as Docker and Kubernetes read them ----

    record Copy(List<String> sources, String destination) {
        /** Whether this COPY puts {@code path} (absolute in the image) there. */
        boolean places(String path, Path repo) {
            for (String source : sources) {
                // A directory's contents land in the destination; a file lands in it when it ends with '/', else as it.
                String target = Files.isDirectory(repo.resolve(source)) ? destination.replaceAll("/+$", "")
                        : destination.endsWith("/") ? destination + Path.of(source).getFileName() : destination;
                if (path.equals(target) || path.startsWith(target + "/")) return true;
            }
            return false;
        }
    }

    record Dockerfile(Path file, List<String[]> instructions) {
        static Dockerfile read(Path file) throws IOException {
            List<String[]> out = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String line : Files.readAllLines(file)) {
                if (line.strip().startsWith("#")) continue;
                if (line.endsWith("\\")) {
                    current.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                current.append(line);
                String text = current.toString().strip();
                current.setLength(0);
                if (text.isEmpty()) continue;
                String[] parts = text.split("\\s+", 2);
                out.add(new String[] {parts[0].toUpperCase(), parts.length > 1 ? parts[1] : ""});
            }
            return new Dockerfile(file, out);
        }

        List<String> all(String keyword) {
            return instructions.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).toList();
        }

        String instruction(String keyword) {
            List<String> found = all(keyword);
            if (found.size() != 1) fail(file.getFileName() + " must have exactly one " + keyword + ", has " + found.size());
            return found.getFirst();
        }

        List<String> jsonList(String keyword) {
            String value = instruction(keyword);
            assertTrue(value.startsWith("["), file.getFileName() + ": " + keyword + " must be in exec (JSON) form so signals reach the JVM");
            return strings(new Yaml(new SafeConstructor(new LoaderOptions())).load(value));
        }

        List<Copy> copies() {
            List<Copy> out = new ArrayList<>();
            for (String c : all("COPY")) {
                List<String> words = Arrays.stream(c.split("\\s+")).filter(w -> !w.startsWith("--")).toList();
                assertFalse(c.contains("--from"), file.getFileName() + ": multi-stage COPY is not checked here");
                out.add(new Copy(words.subList(0, words.size() - 1), words.getLast()));
            }
            return out;
        }

        Set<Integer> exposed() {
            return all("EXPOSE").stream().flatMap(e -> Arrays.stream(e.split("\\s+"))).map(p -> Integer.parseInt(p.replace("/tcp", "")))
                    .collect(Collectors.toCollection(TreeSet::new));
        }

        Set<String> volumes() {
            return all("VOLUME").stream().flatMap(v -> strings(new Yaml(new SafeConstructor(new LoaderOptions())).load(v)).stream())
                    .collect(Collectors.toSet());
        }

        /** ENV in its KEY=VALUE form (quotes removed). */
        Map<String, String> env() {
            Map<String, String> out = new LinkedHashMap<>();
            Matcher m = Pattern.compile("([A-Z_][A-Z0-9_]*)=(\"[^\"]*\"|\\S+)").matcher(String.join(" ", all("ENV")));
            while (m.find()) out.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
            return out;
        }
    }

    /** The paths .dockerignore lets in: it ignores everything ({@code *}) and names the exceptions. */
    private static List<String> dockerignoreExceptions() throws IOException {
        List<String> lines = Files.readAllLines(REPO.resolve(".dockerignore")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals("*", lines.getFirst(), ".dockerignore must start by ignoring everything");
        assertTrue(lines.stream().skip(1).allMatch(l -> l.startsWith("!")), ".dockerignore: after '*' only exceptions: " + lines);
        return lines.stream().skip(1).map(l -> l.substring(1).replaceAll("/+$", "")).toList();
    }

    private static List<String> argFile(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String code = line.replaceFirst("#.*", "").strip();
            if (!code.isEmpty()) out.addAll(Arrays.asList(code.split("\\s+")));
        }
        return out;
    }

    private static Set<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> s = Files.list(K8S)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> loadAll(Path file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
            if (doc == null) continue;
            assertTrue(doc instanceof Map, file + ": every document must be a mapping");
            out.add((Map<String, Object>) doc);
        }
        return out;
    }

    private static List<Map<String, Object>> allObjects() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Path p : yamlFiles()) if (!p.getFileName().toString().equals("kustomization.yaml")) out.addAll(loadAll(p));
        return out;
    }

    private static Map<String, Object> object(String kind, String name) throws IOException {
        List<Map<String, Object>> found = allObjects().stream()
                .filter(d -> kind.equals(d.get("kind")) && name.equals(map(d, "metadata").get("name"))).toList();
        assertEquals(1, found.size(), "docker/k8s must define exactly one " + kind + " " + name);
        return found.getFirst();
    }

    private static String name(Map<String, Object> doc) {
        return (String) map(doc, "metadata").get("name");
    }

    private static Map<String, Object> labels(Map<String, Object> podTemplate) {
        return map(map(podTemplate, "metadata"), "labels");
    }

    private static Map<String, Integer> containerPorts(Map<String, Object> container) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Map<String, Object> p : list(container, "ports")) out.put((String) p.get("name"), (Integer) p.get("containerPort"));
        return out;
    }

    /** Mount path to volume name. */
    private static Map<String, String> mounts(Map<String, Object> container) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map<String, Object> m : list(container, "volumeMounts")) out.put((String) m.get("mountPath"), (String) m.get("name"));
        return out;
    }

    private static String subPath(Map<String, Object> container, String mountPath) {
        return list(container, "volumeMounts").stream().filter(m -> mountPath.equals(m.get("mountPath")))
                .map(m -> (String) m.get("subPath")).findFirst().orElse("");
    }

    private static String describe(Map<String, Object> volume) {
        if (volume.get("persistentVolumeClaim") != null) return "pvc:" + map(volume, "persistentVolumeClaim").get("claimName");
        if (volume.get("configMap") != null) return "configMap:" + map(volume, "configMap").get("name");
        if (volume.get("emptyDir") != null) return "emptyDir";
        return "other";
    }

    private static Map<String, String> plainEnv(Map<String, Object> container) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map<String, Object> e : list(container, "env")) if (e.get("value") != null) out.put((String) e.get("name"), (String) e.get("value"));
        return out;
    }

    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        assertTrue(i >= 0 && i + 1 < args.size(), "the command line " + args + " has no " + name + " VALUE");
        return args.get(i + 1);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        assertTrue(v instanceof Map, "expected a mapping at '" + key + "' in " + parent.keySet());
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object v = parent.get(key);
        assertTrue(v instanceof List, "expected a list at '" + key + "' in " + parent.keySet());
        return (List<Map<String, Object>>) v;
    }

    private static List<String> strings(Object list) {
        assertTrue(list instanceof List, "expected a list, got " + list);
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    private static <T> T only(List<T> items) {
        assertEquals(1, items.size(), "expected exactly one item: " + items);
        return items.getFirst();
    }
}

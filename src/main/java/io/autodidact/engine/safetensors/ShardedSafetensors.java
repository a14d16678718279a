package io.autodidact.engine.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a Hugging Face checkpoint directory as one name-to-tensor view, whether saved as a single
 * {@code model.safetensors} or sharded as {@code model.safetensors.index.json} plus the shard files its
 * {@code weight_map} names. The single file wins when both are present, as in transformers.
 */
public final class ShardedSafetensors implements TensorSource {

    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final Map<String, SafetensorsFile> byName;
    private final List<SafetensorsFile> shards;

    private ShardedSafetensors(Path dir, Map<String, SafetensorsFile> byName, List<SafetensorsFile> shards) {
        this.dir = dir;
        this.byName = Collections.unmodifiableMap(byName);
        this.shards = List.copyOf(shards);
    }

    /** Opens {@code dir}'s weights; IOException names the files it looked for, or the shard that is wrong. */
    public static ShardedSafetensors open(Path dir) throws IOException {
        Path single = dir.resolve(SINGLE), index = dir.resolve(INDEX);
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
            for (String n : f.names()) byName.put(n, f);
            return new ShardedSafetensors(dir, byName, List.of(f));
        }
        if (!Files.isRegularFile(index))
            throw new IOException("no weights in " + dir + ": looked for " + SINGLE + " and " + INDEX);
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(index.toFile());
        } catch (JacksonException e) {
            throw new IOException(index + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject())
            throw new IOException(index + " has no weight_map object (tensor name -> shard file)");
        Path base = dir.toAbsolutePath().normalize();
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            String name = e.getKey();
            if (!e.getValue().isTextual()) throw new IOException(index + ": weight_map." + name + " must be a file name");
            String shardName = e.getValue().textValue();
            Path shardPath = base.resolve(shardName).normalize();
            if (!shardPath.getParent().equals(base))
                throw new IOException(index + ": shard \"" + shardName + "\" for " + name + " is outside " + dir);
            SafetensorsFile shard = opened.get(shardName);
            if (shard == null) {
                if (!Files.isRegularFile(shardPath))
                    throw new IOException(index + " maps " + name + " to " + shardName + ", which is missing from " + dir);
                shard = SafetensorsFile.open(shardPath);
                opened.put(shardName, shard);
            }
            if (!shard.contains(name))
                throw new IOException(index + " maps " + name + " to " + shardName + ", but that shard has no such tensor");
            byName.put(name, shard);
        }
        return new ShardedSafetensors(dir, byName, new ArrayList<>(opened.values()));
    }

    public Path dir() {
        return dir;
    }

    /** The files behind this view, in the order first referenced. */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    /** The file holding {@code name}. */
    public SafetensorsFile shardOf(String name) {
        SafetensorsFile f = byName.get(name);
        if (f == null)
            throw new IllegalArgumentException("no tensor " + name + " in the checkpoint at " + dir + " (" + byName.size()
                    + " tensors)");
        return f;
    }

    @Override
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    @Override
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return shardOf(name).info(name);
    }

    @Override
    public ByteBuffer buffer(String name) {
        return shardOf(name).buffer(name);
    }

    /** The first shard's {@code __metadata__} (transformers writes the same map into every shard). */
    @Override
    public Map<String, String> metadata() {
        return shards.isEmpty() ? Map.of() : shards.getFirst().metadata();
    }

    @Override
    public String describe(String name) {
        return shardOf(name).describe(name);
    }
}

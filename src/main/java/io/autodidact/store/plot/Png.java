package io.autodidact.store.plot;

import io.autodidact.store.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes a chart as a PNG file, atomically like every other file of a run. */
public final class Png {

    private Png() {}

    public static void write(BufferedImage image, Path file) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes))
                throw new IllegalStateException("this JRE has no PNG encoder; use a full JDK/JRE with java.desktop");
        } catch (IOException e) {
            throw new UncheckedIOException("could not encode " + file + " as PNG: " + e.getMessage(), e);
        }
        AtomicFiles.write(file, bytes.toByteArray());
    }
}

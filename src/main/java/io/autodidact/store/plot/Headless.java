package io.autodidact.store.plot;

/** Charts are drawn off-screen; a server has no display, and AWT must not try to open one. */
final class Headless {

    private Headless() {}

    static void ensure() {
        // Only a default: a caller who set java.awt.headless explicitly knows better.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }
}

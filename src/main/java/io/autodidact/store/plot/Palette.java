package io.autodidact.store.plot;

import java.awt.Color;

/** Distinguishable series colours (Tableau 10), reused in order. */
final class Palette {

    private static final int[] RGB = {
        0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F, 0xEDC948, 0xB07AA1, 0xFF9DA7, 0x9C755F, 0xBAB0AC
    };

    private Palette() {}

    static Color color(int index) {
        return new Color(RGB[Math.floorMod(index, RGB.length)]);
    }
}

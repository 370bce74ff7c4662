package dev.anchorwatch.image;

import java.awt.image.BufferedImage;

/**
 * A picture of an image anchor: the anchor's superpixels as they are, every other superpixel dimmed, the
 * anchor's outline in yellow and other superpixel borders faintly marked. Small images are enlarged (nearest
 * neighbour) so that a 28×28 picture is readable.
 */
public final class Overlay {
    private static final int TARGET = 224;
    private static final int OUTLINE = 0xFFD000;

    private Overlay() {
    }

    /** The overlay as PNG bytes. */
    public static byte[] png(FloatImage image, SegmentMap segments, int[] anchor) {
        segments.requireSameSize(image);
        int h = image.height();
        int w = image.width();
        int c = image.channels();
        int f = Math.max(1, Math.min(8, (TARGET + Math.max(h, w) - 1) / Math.max(h, w)));
        boolean[] inAnchor = new boolean[segments.count()];
        for (int s : anchor) {
            inAnchor[s] = true;
        }
        int[] labels = segments.view();
        ImageCodec.ToByte tb = ImageCodec.ToByte.of(image);
        float[] px = image.view();
        BufferedImage out = new BufferedImage(w * f, h * f, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                int r = tb.apply(px[p * c]);
                int g = c >= 3 ? tb.apply(px[p * c + 1]) : r;
                int b = c >= 3 ? tb.apply(px[p * c + 2]) : r;
                boolean kept = inAnchor[labels[p]];
                if (!kept) { // dim towards a dark blue-grey, so dimmed black stays distinguishable from black
                    r = (int) (r * 0.3 + 20);
                    g = (int) (g * 0.3 + 24);
                    b = (int) (b * 0.3 + 40);
                }
                int base = (r << 16) | (g << 8) | b;
                for (int dy = 0; dy < f; dy++) {
                    for (int dx = 0; dx < f; dx++) {
                        int rgb = base;
                        // borders on this source pixel's sides that face another segment
                        boolean top = dy == 0 && y > 0 && labels[p - w] != labels[p];
                        boolean left = dx == 0 && x > 0 && labels[p - 1] != labels[p];
                        boolean bottom = dy == f - 1 && y < h - 1 && labels[p + w] != labels[p];
                        boolean right = dx == f - 1 && x < w - 1 && labels[p + 1] != labels[p];
                        if (top || left || bottom || right) {
                            boolean outline = kept && ((top && !inAnchor[labels[p - w]])
                                    || (left && !inAnchor[labels[p - 1]])
                                    || (bottom && !inAnchor[labels[p + w]])
                                    || (right && !inAnchor[labels[p + 1]]));
                            rgb = outline ? OUTLINE : blend(base, 0x4080C0);
                        }
                        out.setRGB(x * f + dx, y * f + dy, rgb);
                    }
                }
            }
        }
        return ImageCodec.write(out);
    }

    private static int blend(int a, int b) {
        int r = (((a >> 16) & 0xFF) + ((b >> 16) & 0xFF)) / 2;
        int g = (((a >> 8) & 0xFF) + ((b >> 8) & 0xFF)) / 2;
        int bl = ((a & 0xFF) + (b & 0xFF)) / 2;
        return (r << 16) | (g << 8) | bl;
    }
}

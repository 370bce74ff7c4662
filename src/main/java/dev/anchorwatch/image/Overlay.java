package dev.anchorwatch.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * A picture of an image anchor that explains itself. Left: the anchor's superpixels as they are and everything
 * else masked in flat slate blue (a colour, so that a masked region is not mistaken for dark or grey image content;
 * flat, so that the PNG stays small) — the picture the reference returns as its {@code anchor}. Right: the whole image with the anchor outlined in yellow and the other
 * superpixel borders faintly marked. Below: the predicted class, the anchor's precision and coverage, and its size.
 * Small images are enlarged (nearest neighbour) so that a 28×28 picture is readable. Text is drawn with a built-in
 * bitmap font ({@link BitmapFont}): no fonts or display needed, the same pixels everywhere.
 */
public final class Overlay {
    private static final int TARGET = 224;
    private static final int OUTLINE = 0xFFD000;
    private static final int BACKGROUND = 0xFFFFFF;
    private static final int TEXT = 0x000000;
    static final int MASK = 0x50647A;
    static final int MARGIN = 8;
    static final int GAP = 8;
    static final int SCALE = 2;
    static final int LINE = BitmapFont.HEIGHT * SCALE + 4;
    static final int TITLE = BitmapFont.HEIGHT * SCALE + 6;

    /**
     * What the caption says.
     *
     * @param predicted     the explained label as it should read, e.g. {@code 9 Ankle boot}
     * @param precision     the anchor's precision
     * @param coverage      the anchor's coverage
     * @param success       whether the anchor reached the precision threshold
     * @param anchorSize    superpixels in the anchor
     * @param segmentCount  superpixels in the image
     */
    public record Caption(String predicted, double precision, double coverage, boolean success, int anchorSize,
                          int segmentCount) {
        public Caption {
            Objects.requireNonNull(predicted, "predicted");
        }

        /** The caption's lines, top to bottom. */
        public String[] lines() {
            String size;
            if (!success) {
                size = "threshold not reached: best " + anchorSize + " of " + segmentCount;
            } else if (anchorSize == 0) {
                size = "empty anchor: the label holds anyway";
            } else {
                size = "anchor: " + anchorSize + " of " + segmentCount + " superpixels";
            }
            return new String[] {"predicted: " + predicted,
                String.format(Locale.ROOT, "precision %.3f  coverage %.3f", precision, coverage), size};
        }
    }

    private Overlay() {
    }

    /** Enlargement factor: nearest-neighbour, so that the longer side reaches about 224 pixels, at most 8×. */
    static int factor(int h, int w) {
        return Math.max(1, Math.min(8, (TARGET + Math.max(h, w) - 1) / Math.max(h, w)));
    }

    /** The picture as PNG bytes. */
    public static byte[] png(FloatImage image, SegmentMap segments, int[] anchor, Caption caption) {
        return ImageCodec.write(render(image, segments, anchor, caption));
    }

    /** The picture itself. */
    static BufferedImage render(FloatImage image, SegmentMap segments, int[] anchor, Caption caption) {
        segments.requireSameSize(image);
        int h = image.height();
        int w = image.width();
        int c = image.channels();
        int f = factor(h, w);
        int panelW = w * f;
        int panelH = h * f;
        String[] lines = caption.lines();
        int width = 2 * MARGIN + 2 * panelW + GAP;
        int height = MARGIN + TITLE + panelH + lines.length * LINE + MARGIN;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] canvas = ((DataBufferInt) out.getRaster().getDataBuffer()).getData(); // row-major, no padding
        Arrays.fill(canvas, BACKGROUND);
        boolean[] inAnchor = new boolean[segments.count()];
        for (int s : anchor) {
            inAnchor[s] = true;
        }
        int[] labels = segments.view();
        ImageCodec.ToByte tb = ImageCodec.ToByte.of(image);
        float[] px = image.view();
        int left = MARGIN;
        int right = MARGIN + panelW + GAP;
        int top = MARGIN + TITLE;
        int thick = Math.max(1, f / 3);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                int r = tb.apply(px[p * c]);
                int g = c >= 3 ? tb.apply(px[p * c + 1]) : r;
                int b = c >= 3 ? tb.apply(px[p * c + 2]) : r;
                int base = (r << 16) | (g << 8) | b;
                boolean kept = inAnchor[labels[p]];
                for (int dy = 0; dy < f; dy++) {
                    for (int dx = 0; dx < f; dx++) {
                        int ox = x * f + dx;
                        int oy = y * f + dy;
                        int row = (top + oy) * width;
                        canvas[row + left + ox] = kept ? base : MASK;
                        canvas[row + right + ox] = outlined(labels, inAnchor, w, h, x, y, dx, dy, f, thick, base);
                    }
                }
            }
        }
        BitmapFont.draw(out, BitmapFont.fit("ANCHOR ONLY", panelW, SCALE), left, MARGIN, SCALE, TEXT);
        BitmapFont.draw(out, BitmapFont.fit("ANCHOR OUTLINED", panelW, SCALE), right, MARGIN, SCALE, TEXT);
        int textWidth = width - 2 * MARGIN;
        for (int i = 0; i < lines.length; i++) {
            BitmapFont.draw(out, BitmapFont.fit(lines[i], textWidth, SCALE), MARGIN, top + panelH + 4 + i * LINE,
                    SCALE, TEXT);
        }
        return out;
    }

    /** The right panel's pixel: the anchor's outline, a faint superpixel border, or the image. */
    private static int outlined(int[] labels, boolean[] inAnchor, int w, int h, int x, int y, int dx, int dy, int f,
                                int thick, int base) {
        int p = y * w + x;
        int own = labels[p];
        boolean top = dy < thick && y > 0 && labels[p - w] != own;
        boolean left = dx < thick && x > 0 && labels[p - 1] != own;
        boolean bottom = dy >= f - thick && y < h - 1 && labels[p + w] != own;
        boolean right = dx >= f - thick && x < w - 1 && labels[p + 1] != own;
        if (inAnchor[own] && ((top && !inAnchor[labels[p - w]]) || (left && !inAnchor[labels[p - 1]])
                || (bottom && !inAnchor[labels[p + w]]) || (right && !inAnchor[labels[p + 1]]))) {
            return OUTLINE;
        }
        boolean edge = (dy == 0 && top) || (dx == 0 && left) || (dy == f - 1 && bottom) || (dx == f - 1 && right);
        return edge ? blend(base, 0x4080C0) : base;
    }

    private static int blend(int a, int b) {
        int r = (((a >> 16) & 0xFF) + ((b >> 16) & 0xFF)) / 2;
        int g = (((a >> 8) & 0xFF) + ((b >> 8) & 0xFF)) / 2;
        int bl = ((a & 0xFF) + (b & 0xFF)) / 2;
        return (r << 16) | (g << 8) | bl;
    }
}

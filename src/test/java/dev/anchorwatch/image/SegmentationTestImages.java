package dev.anchorwatch.image;
/** A synthetic colour image computed the same way in Java and (from its printed values) in scikit-image. */
final class SegmentationTestImages {
    private SegmentationTestImages() {
    }

    /** Three flat discs (red, blue, green) on a smooth gradient, H×W×3 in [0, 1]. */
    static FloatImage discs(int h, int w) {
        float[] px = new float[h * w * 3];
        float[][] centres = {{0.3f, 0.3f, 0.25f}, {0.7f, 0.6f, 0.2f}, {0.25f, 0.8f, 0.15f}};
        float[][] colours = {{0.9f, 0.2f, 0.1f}, {0.1f, 0.3f, 0.8f}, {0.2f, 0.8f, 0.3f}};
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float[] c = {0.4f + 0.3f * y / h, 0.5f, 0.6f - 0.3f * x / w};
                for (int d = 0; d < centres.length; d++) {
                    float dy = y / (float) h - centres[d][0];
                    float dx = x / (float) w - centres[d][1];
                    if (dy * dy + dx * dx < centres[d][2] * centres[d][2]) {
                        c = colours[d];
                    }
                }
                System.arraycopy(c, 0, px, (y * w + x) * 3, 3);
            }
        }
        return new FloatImage(h, w, 3, px);
    }
}

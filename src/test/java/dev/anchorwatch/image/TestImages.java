package dev.anchorwatch.image;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import dev.anchorwatch.tabular.NpyReader;

/** Images for tests: the vendored Fashion-MNIST subset and synthetic ones. */
public final class TestImages {
    private TestImages() {
    }

    /** The ten vendored Fashion-MNIST test images, 28×28×1 in [0, 1]. */
    public static List<FloatImage> fashion() {
        try (InputStream in = TestImages.class.getClassLoader().getResourceAsStream(
                "demo/fashion/fmnist_test_first10.npy")) {
            NpyReader.Array a = NpyReader.readArray(in, 10_000_000);
            int[] shape = a.shape();
            int size = shape[1] * shape[2];
            List<FloatImage> out = new ArrayList<>();
            for (int i = 0; i < shape[0]; i++) {
                float[] px = new float[size];
                System.arraycopy(a.data(), i * size, px, 0, size);
                out.add(new FloatImage(shape[1], shape[2], 1, px));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Four flat-coloured quadrants with a little noise, H×W×C in [0, 1]. */
    public static FloatImage quadrants(int h, int w, int c, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] colours = {{0.9f, 0.1f, 0.1f}, {0.1f, 0.8f, 0.2f}, {0.2f, 0.2f, 0.9f}, {0.9f, 0.9f, 0.2f}};
        float[] px = new float[h * w * c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int q = (y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1);
                for (int k = 0; k < c; k++) {
                    float v = c == 1 ? 0.2f + 0.2f * q : colours[q][k];
                    px[(y * w + x) * c + k] = (float) Math.max(0, Math.min(1, v + rng.nextGaussian() * 0.02));
                }
            }
        }
        return new FloatImage(h, w, c, px);
    }
}

package dev.anchorwatch.image;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A regular grid of square cells, {@code size × size} pixels (the last row and column of cells are smaller when
 * the image does not divide evenly). Exact and free; on small images such as 28×28 it gives many more useful
 * superpixels than SLIC does.
 */
public final class GridSegmenter implements Segmenter {
    private final int size;

    public GridSegmenter(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("grid_size must be >= 1, got " + size);
        }
        this.size = size;
    }

    public int size() {
        return size;
    }

    @Override
    public SegmentMap segment(FloatImage image) {
        int h = image.height();
        int w = image.width();
        int columns = (w + size - 1) / size;
        int[] labels = new int[h * w];
        for (int y = 0; y < h; y++) {
            int row = (y / size) * columns;
            for (int x = 0; x < w; x++) {
                labels[y * w + x] = row + x / size;
            }
        }
        return SegmentMap.of(h, w, labels);
    }

    @Override
    public String name() {
        return "grid";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("grid_size", size);
        return p;
    }
}

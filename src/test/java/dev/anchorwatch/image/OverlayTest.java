package dev.anchorwatch.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

class OverlayTest {
    private static final int WHITE = 0xFFFFFF;

    /** 28x28 gray ramp cut into a 4x4-pixel grid (49 cells); the anchor is cells 0 and 8. */
    private static FloatImage ramp() {
        float[] px = new float[28 * 28];
        for (int p = 0; p < px.length; p++) {
            px[p] = (p % 28) / 27f;
        }
        return new FloatImage(28, 28, 1, px);
    }

    private static int rgb(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xFFFFFF;
    }

    @Test
    void anchorKeptBesideTheOutlinedImageWithTheCaptionPrinted() throws Exception {
        FloatImage image = ramp();
        SegmentMap m = new GridSegmenter(4).segment(image);
        Overlay.Caption caption = new Overlay.Caption("9 Ankle boot", 0.987, 0.125, true, 2, 49);
        byte[] png = Overlay.png(image, m, new int[] {0, 8}, caption);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        // two 224x224 panels (28 x 8), 8-pixel margins and gap, a title row and three caption lines
        assertEquals(2 * 8 + 2 * 224 + 8, img.getWidth());
        assertEquals(8 + Overlay.TITLE + 224 + 3 * Overlay.LINE + 8, img.getHeight());
        int top = 8 + Overlay.TITLE;
        int left = 8;
        int right = 8 + 224 + 8;
        // left panel: anchor cell 8 (row 1, column 1: pixels 4..7) as it is, cell 2 masked
        int inside = Math.round(5 / 27f * 255); // pixel (5, 5): column 5 of the ramp
        assertEquals(inside * 0x010101, rgb(img, left + 5 * 8 + 3, top + 5 * 8 + 3));
        assertEquals(Overlay.MASK, rgb(img, left + 9 * 8 + 3, top + 1 * 8 + 3), "cell 2 masked");
        // right panel: everything as it is inside cells; cell 8's outline is yellow where it meets a cell outside
        assertEquals(Math.round(13 / 27f * 255) * 0x010101, rgb(img, right + 13 * 8 + 3, top + 13 * 8 + 3));
        assertEquals(0xFFD000, rgb(img, right + 7 * 8 + 7, top + 5 * 8 + 3), "right side of cell 8 faces cell 9");
        assertEquals(0xFFD000, rgb(img, right + 5 * 8 + 3, top + 4 * 8), "cell 8's top faces cell 1");
        int border = rgb(img, right + 7 * 8 + 7, top + 1 * 8 + 3); // between cells 1 and 2, neither in the anchor
        assertNotEquals(0xFFD000, border);
        int ramp7 = Math.round(7 / 27f * 255);
        assertEquals(((ramp7 + 0x40) / 2) << 16 | ((ramp7 + 0x80) / 2) << 8 | (ramp7 + 0xC0) / 2, border,
                "a faint blue superpixel border");
        // the caption's lines, drawn with the bitmap font, pixel for pixel
        String[] lines = caption.lines();
        assertArrayEquals(new String[] {"predicted: 9 Ankle boot", "precision 0.987  coverage 0.125",
            "anchor: 2 of 49 superpixels"}, lines);
        for (int i = 0; i < lines.length; i++) {
            BufferedImage expected = new BufferedImage(img.getWidth(), Overlay.LINE, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < Overlay.LINE; y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    expected.setRGB(x, y, WHITE);
                }
            }
            BitmapFont.draw(expected, lines[i], 8, 0, Overlay.SCALE, 0);
            int y0 = top + 224 + 4 + i * Overlay.LINE;
            for (int y = 0; y < BitmapFont.HEIGHT * Overlay.SCALE; y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    assertEquals(rgb(expected, x, y), rgb(img, x, y0 + y), "caption line " + i + " at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void captionsSayWhenTheAnchorIsEmptyOrNotFound() {
        assertEquals("empty anchor: the label holds anyway",
                new Overlay.Caption("class 3", 0.99, 1, true, 0, 8).lines()[2]);
        assertEquals("threshold not reached: best 4 of 8",
                new Overlay.Caption("class 3", 0.9, 0.1, false, 4, 8).lines()[2]);
        assertEquals("precision 0.900  coverage 0.100", new Overlay.Caption("class 3", 0.9, 0.1, false, 4, 8).lines()[1]);
    }

    @Test
    void largeColourImagesAreNotEnlargedAndLongTextIsCut() {
        FloatImage image = TestImages.quadrants(299, 299, 3, 5);
        SegmentMap m = new SlicSegmenter().segment(image);
        String longName = "x".repeat(200);
        BufferedImage img = Overlay.render(image, m, new int[] {0}, new Overlay.Caption(longName, 1, 0.5, true, 1,
                m.count()));
        assertEquals(2 * 8 + 2 * 299 + 8, img.getWidth());
        // the cut caption ends in ".." inside the picture: the right margin stays white
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = img.getWidth() - 8; x < img.getWidth(); x++) {
                assertEquals(WHITE, rgb(img, x, y));
            }
        }
        assertEquals("ab..", BitmapFont.fit("abcdefgh", BitmapFont.width("abcd", 2), 2));
        assertEquals("abcd", BitmapFont.fit("abcd", BitmapFont.width("abcd", 2), 2));
    }

    @Test
    void glyphsOfTheBuiltInFont() {
        // glyphs: '0' and 'A' as drawn, '?' for anything outside printable ASCII
        assertEquals(0x0E, BitmapFont.row('0', 0));
        assertEquals(0x1F, BitmapFont.row('A', 4));
        assertEquals(BitmapFont.row('?', 0), BitmapFont.row('\u00e9', 0));
        assertEquals(BitmapFont.row('?', 6), BitmapFont.row('\u00e9', 6));
    }
}

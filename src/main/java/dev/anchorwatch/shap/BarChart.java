package dev.anchorwatch.shap;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import javax.imageio.ImageIO;

/**
 * A horizontal bar chart of attributions as a PNG, drawn off-screen with java.awt (no display needed): one bar per
 * feature, largest magnitude at the top, red for values that push the output up and blue for those that push it
 * down, each labelled with the feature's name and value. Text needs the JDK's font support; where a minimal image
 * lacks fonts, the bars are drawn without labels rather than no chart at all.
 */
public final class BarChart {
    private static final int WIDTH = 640;
    private static final int ROW = 22;
    private static final int TOP = 34;
    private static final Color UP = new Color(0xE0, 0x3C, 0x31);
    private static final Color DOWN = new Color(0x1E, 0x88, 0xE5);

    private BarChart() {
    }

    /**
     * @param title   a line above the bars (e.g. the class and the expected and predicted values)
     * @param names   one per value
     * @param values  attributions
     * @param maxBars bars shown (the largest magnitudes); the rest are summed into one "other" bar
     */
    public static byte[] png(String title, List<String> names, double[] values, int maxBars) {
        Integer[] order = IntStream.range(0, values.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -Math.abs(values[i])).thenComparingInt(i -> i))
                .toArray(Integer[]::new);
        int shown = Math.min(order.length, maxBars);
        int bars = shown + (order.length > shown ? 1 : 0);
        String[] labels = new String[bars];
        double[] v = new double[bars];
        for (int i = 0; i < shown; i++) {
            labels[i] = names.get(order[i]);
            v[i] = values[order[i]];
        }
        if (bars > shown) {
            labels[shown] = (order.length - shown) + " other features";
            for (int i = shown; i < order.length; i++) {
                v[shown] += values[order[i]];
            }
        }
        int height = TOP + bars * ROW + 16;
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            int labelWidth = 190;
            int valueWidth = 70;
            int plotLeft = labelWidth + 10;
            int plotWidth = WIDTH - plotLeft - valueWidth - 10;
            double max = 1e-12;
            double min = 0;
            for (double x : v) {
                max = Math.max(max, x);
                min = Math.min(min, x);
            }
            double span = Math.max(max - min, 1e-12);
            int zero = plotLeft + (int) Math.round(-min / span * plotWidth);
            for (int i = 0; i < bars; i++) {
                int y = TOP + i * ROW;
                int x0 = plotLeft + (int) Math.round((Math.min(v[i], 0) - min) / span * plotWidth);
                int w = Math.max(1, (int) Math.round(Math.abs(v[i]) / span * plotWidth));
                g.setColor(v[i] >= 0 ? UP : DOWN);
                g.fillRect(x0, y + 3, w, ROW - 6);
            }
            g.setColor(Color.DARK_GRAY);
            g.setStroke(new BasicStroke(1));
            g.drawLine(zero, TOP - 2, zero, TOP + bars * ROW);
            try {
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                FontMetrics fm = g.getFontMetrics();
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
                g.drawString(title, 8, 20);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                for (int i = 0; i < bars; i++) {
                    int base = TOP + i * ROW + ROW / 2 + fm.getAscent() / 2 - 1;
                    String label = clip(labels[i], fm, labelWidth - 8);
                    g.drawString(label, labelWidth - fm.stringWidth(label), base);
                    g.drawString(String.format(Locale.ROOT, "%+.4f", v[i]), WIDTH - valueWidth, base);
                }
            } catch (RuntimeException | Error noFonts) {
                // a JRE without fonts: keep the bars
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a PNG in memory", e);
        }
        return out.toByteArray();
    }

    private static String clip(String s, FontMetrics fm, int width) {
        if (fm.stringWidth(s) <= width) {
            return s;
        }
        String t = s;
        while (t.length() > 1 && fm.stringWidth(t + "...") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "...";
    }
}

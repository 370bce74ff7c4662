package dev.anchorwatch.image;

import java.awt.image.BufferedImage;

/**
 * A 5×7 pixel font for printed ASCII (32–126), drawn pixel by pixel into a {@link BufferedImage}: captions need no
 * font files, no fontconfig and no display, so they render identically in a headless container and in tests.
 * Characters outside that range print as {@code ?}.
 */
final class BitmapFont {
    /** Glyph width and height in font pixels; a character cell adds one column and one row of spacing. */
    static final int WIDTH = 5;
    static final int HEIGHT = 7;

    /** Seven rows per glyph, two hex digits each, bit 4 = leftmost column; index = character − 32. */
    private static final String[] GLYPHS = {
        "00000000000000", "04040404040004", "0A0A0A00000000", "0A0A1F0A1F0A0A", "040F140E051E04", // space ! " # $
        "18190204081303", "0C12140815120D", "0C040800000000", "02040808080402", "08040202020408", // % & ' ( )
        "0004150E150400", "0004041F040400", "000000000C0408", "0000001F000000", "00000000000C0C", // * + , - .
        "00010204081000", "0E11131519110E", "040C040404040E", "0E11010204081F", "1F02040201110E", // / 0 1 2 3
        "02060A121F0202", "1F101E0101110E", "0608101E11110E", "1F010204080808", "0E11110E11110E", // 4 5 6 7 8
        "0E11110F01020C", "000C0C000C0C00", "000C0C000C0408", "02040810080402", "00001F001F0000", // 9 : ; < =
        "08040201020408", "0E110102040004", "0E11010D15150E", "0E1111111F1111", "1E11111E11111E", // > ? @ A B
        "0E11101010110E", "1C12111111121C", "1F10101E10101F", "1F10101E101010", "0E11101711110F", // C D E F G
        "1111111F111111", "0E04040404040E", "0702020202120C", "11121418141211", "1010101010101F", // H I J K L
        "111B1515111111", "11111915131111", "0E11111111110E", "1E11111E101010", "0E11111115120D", // M N O P Q
        "1E11111E141211", "0F10100E01011E", "1F040404040404", "1111111111110E", "11111111110A04", // R S T U V
        "1111111515150A", "11110A040A1111", "1111110A040404", "1F01020408101F", "0E08080808080E", // W X Y Z [
        "00100804020100", "0E02020202020E", "040A1100000000", "0000000000001F", "08040200000000", // \ ] ^ _ `
        "00000E010F110F", "1010161911111E", "00000E1010110E", "01010D1311110F", "00000E111F100E", // a b c d e
        "0609081C080808", "000F11110F010E", "10101619111111", "04000C0404040E", "0200060202120C", // f g h i j
        "10101214181412", "0C04040404040E", "00001A15151111", "00001619111111", "00000E1111110E", // k l m n o
        "00001E111E1010", "00000D130F0101", "00001619101010", "00000E100E011E", "08081C08080906", // p q r s t
        "0000111111130D", "00001111110A04", "0000111115150A", "0000110A040A11", "000011110F010E", // u v w x y
        "00001F0204081F", "02040408040402", "04040404040404", "08040402040408", "00000815020000", // z { | } ~
    };

    private BitmapFont() {
    }

    /** Row {@code row} (0 = top) of the glyph of {@code ch}, as 5 bits with bit 4 the leftmost column. */
    static int row(char ch, int row) {
        int i = ch >= 32 && ch <= 126 ? ch - 32 : '?' - 32;
        return Integer.parseInt(GLYPHS[i].substring(row * 2, row * 2 + 2), 16) & 0x1F;
    }

    /** Width in image pixels of {@code text} at {@code scale} image pixels per font pixel. */
    static int width(String text, int scale) {
        return text.isEmpty() ? 0 : (text.length() * (WIDTH + 1) - 1) * scale;
    }

    /** Draws {@code text} with its top-left corner at (x, y), clipped to the image. */
    static void draw(BufferedImage img, String text, int x, int y, int scale, int rgb) {
        for (int i = 0; i < text.length(); i++) {
            int cx = x + i * (WIDTH + 1) * scale;
            for (int r = 0; r < HEIGHT; r++) {
                int bits = row(text.charAt(i), r);
                for (int c = 0; c < WIDTH; c++) {
                    if ((bits & (0x10 >> c)) == 0) {
                        continue;
                    }
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            int px = cx + c * scale + dx;
                            int py = y + r * scale + dy;
                            if (px >= 0 && py >= 0 && px < img.getWidth() && py < img.getHeight()) {
                                img.setRGB(px, py, rgb);
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code text} cut to at most {@code maxWidth} pixels at {@code scale}, ending in ".." when cut. */
    static String fit(String text, int maxWidth, int scale) {
        if (width(text, scale) <= maxWidth) {
            return text;
        }
        int n = Math.max(0, (maxWidth / scale + 1) / (WIDTH + 1) - 2);
        return text.substring(0, Math.min(n, text.length())) + "..";
    }
}

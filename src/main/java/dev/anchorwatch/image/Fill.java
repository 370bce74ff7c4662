package dev.anchorwatch.image;

import java.util.Locale;
import java.util.Optional;

/** What a superpixel outside the anchor shows when a sample switches it off. */
public enum Fill {
    /** The superpixel's own mean colour in the explained image (the reference's default). */
    MEAN,
    /** The same pixels of a background image drawn at random for each sample. */
    BACKGROUND,
    /** A fixed value (one per channel, or one for all). */
    VALUE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Fill> of(String s) {
        for (Fill f : values()) {
            if (f.label().equalsIgnoreCase(s.strip())) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}

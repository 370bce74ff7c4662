package dev.anchorwatch.text;

/**
 * One token of a text: a word or a punctuation/symbol token, with its place in the original string.
 *
 * @param text  the token as it appears in the original
 * @param start offset of its first char in the original string (a Java {@code String} index, UTF-16)
 * @param end   offset just past its last char
 * @param word  true for a word (letters, digits, marks, '_', inner apostrophes), false for punctuation or a symbol
 */
public record Token(String text, int start, int end, boolean word) {
    public Token {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("a token has at least one character");
        }
        if (start < 0 || end - start != text.length()) {
            throw new IllegalArgumentException("token '" + text + "' cannot span " + start + ".." + end);
        }
    }

    public boolean punctuation() {
        return !word;
    }
}

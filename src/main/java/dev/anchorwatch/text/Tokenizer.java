package dev.anchorwatch.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a text into words and punctuation with their character offsets.
 *
 * <ul>
 *   <li>A word is a maximal run of letters, digits, combining marks and '_', where an apostrophe (' or ’) between
 *       two such characters stays inside the word: "don't", "o'clock", "rock'n'roll" are one word each; a leading
 *       or trailing apostrophe ("dogs'") is punctuation.</li>
 *   <li>Any other character that is not white space is punctuation or a symbol; a run of the same character is
 *       one token ("...", "!!", "--"), different characters are separate tokens ("?!" is two).</li>
 *   <li>White space separates tokens and is never part of one.</li>
 * </ul>
 * Offsets index the original string, so {@code text.substring(t.start(), t.end())} is the token. Stateless and
 * thread-safe.
 */
public final class Tokenizer {
    private Tokenizer() {
    }

    public static List<Token> tokenize(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text is null");
        }
        List<Token> tokens = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            int cp = text.codePointAt(i);
            int width = Character.charCount(cp);
            if (isSpace(cp)) {
                i += width;
                continue;
            }
            int start = i;
            if (isWordChar(cp)) {
                i += width;
                while (i < n) {
                    int c = text.codePointAt(i);
                    if (isWordChar(c)) {
                        i += Character.charCount(c);
                    } else if (isApostrophe(c) && i + 1 < n && isWordChar(text.codePointAt(i + 1))) {
                        i += 1; // both apostrophes are single chars
                    } else {
                        break;
                    }
                }
                tokens.add(new Token(text.substring(start, i), start, i, true));
            } else {
                i += width;
                while (i < n && text.codePointAt(i) == cp) {
                    i += width;
                }
                tokens.add(new Token(text.substring(start, i), start, i, false));
            }
        }
        return tokens;
    }

    /** Letters, digits, combining marks and '_' (roughly regex {@code \w} in its Unicode sense). */
    public static boolean isWordChar(int cp) {
        if (Character.isLetterOrDigit(cp) || cp == '_') {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    static boolean isApostrophe(int cp) {
        return cp == '\'' || cp == '\u2019';
    }

    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    /** True if {@code s} tokenizes to exactly one word: a safe replacement for a word. */
    public static boolean isSingleWord(String s) {
        if (s == null || s.isEmpty() || !isWordChar(s.codePointAt(0))) {
            return false;
        }
        List<Token> t = tokenize(s);
        return t.size() == 1 && t.get(0).word() && t.get(0).text().equals(s);
    }
}

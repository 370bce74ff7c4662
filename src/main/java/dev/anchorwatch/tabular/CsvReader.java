package dev.anchorwatch.tabular;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal RFC 4180 reader: comma separated, fields optionally double-quoted (a doubled quote is a literal
 * quote, quoted fields may span lines), CRLF or LF line ends, a leading byte-order mark ignored.
 * Written for training files, where a clear error beats guessing, so a stray quote inside an unquoted field
 * or an unterminated quoted field is an error naming the line.
 */
final class CsvReader {
    private final Reader in;
    private int line = 1;
    private int recordLine;
    private int pushedBack = -2;
    private boolean first = true;

    CsvReader(Reader reader) {
        this.in = reader instanceof BufferedReader ? reader : new BufferedReader(reader);
    }

    /** 1-based line on which the last record returned by {@link #next()} started. */
    int recordLine() {
        return recordLine;
    }

    /** The next record's fields, or null at end of input. A blank line is one empty field. */
    List<String> next() throws IOException {
        int c = read();
        if (first) {
            first = false;
            if (c == '\uFEFF') {
                c = read();
            }
        }
        if (c == -1) {
            return null;
        }
        recordLine = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean afterQuote = false;
        boolean fieldStart = true;
        while (true) {
            if (quoted) {
                if (c == -1) {
                    throw new IllegalArgumentException("CSV line " + recordLine + ": quoted field is never closed");
                }
                if (c == '"') {
                    int d = read();
                    if (d == '"') {
                        field.append('"');
                    } else {
                        quoted = false;
                        afterQuote = true;
                        c = d;
                        continue;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append((char) c);
                }
            } else if (c == ',' ) {
                fields.add(field.toString());
                field.setLength(0);
                afterQuote = false;
                fieldStart = true;
                c = read();
                continue;
            } else if (c == '\n' || c == '\r' || c == -1) {
                if (c == '\r') {
                    int d = read();
                    if (d != '\n') {
                        unread(d);
                    }
                }
                if (c != -1) {
                    line++;
                }
                fields.add(field.toString());
                return fields;
            } else if (afterQuote) {
                throw new IllegalArgumentException("CSV line " + line + ": unexpected '" + (char) c
                        + "' after a closing quote");
            } else if (c == '"') {
                if (!fieldStart) {
                    throw new IllegalArgumentException("CSV line " + line
                            + ": a quote inside an unquoted field (quote the whole field and double the quote)");
                }
                quoted = true;
            } else {
                field.append((char) c);
            }
            fieldStart = false;
            c = read();
        }
    }

    private int read() throws IOException {
        if (pushedBack != -2) {
            int c = pushedBack;
            pushedBack = -2;
            return c;
        }
        return in.read();
    }

    private void unread(int c) {
        pushedBack = c;
    }
}

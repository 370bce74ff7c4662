package dev.anchorwatch.tabular;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a 2-D NumPy {@code .npy} array into rows of doubles, without ND4J (a tabular-only deployment should
 * not load native libraries to read a few megabytes).
 *
 * <p>Supported: format versions 1.0, 2.0 (and 3.0, which differs only in the header's text encoding), C order,
 * little-endian {@code <f4}, {@code <f8}, {@code <i4}, {@code <i8}. Anything else fails with a message saying
 * what was found and how to convert it. 64-bit integers beyond 2^53 lose precision as doubles.
 */
public final class NpyReader {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    /** Largest header we accept; NumPy pads headers to 64 bytes, so anything huge is not a real .npy file. */
    private static final int MAX_HEADER = 1 << 20;

    private NpyReader() {
    }

    /** Reads the whole array; the stream is left positioned after the data and is not closed. */
    public static double[][] read2d(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        Header h = readHeader(in);
        String descr = h.descr;
        long[] shape = h.shape;
        if (shape.length != 2) {
            throw new IllegalArgumentException(".npy array has " + shape.length + " dimension(s), shape "
                    + shapeText(shape) + "; expected a 2-D array of rows x features");
        }
        int itemSize;
        switch (descr) {
            case "<f4", "<i4" -> itemSize = 4;
            case "<f8", "<i8" -> itemSize = 8;
            default -> throw new IllegalArgumentException("unsupported .npy dtype '" + descr
                    + "'; supported: <f4, <f8, <i4, <i8 (little-endian float32/float64/int32/int64), "
                    + "e.g. np.save(path, a.astype('<f8'))");
        }
        if (shape[0] > Integer.MAX_VALUE || shape[1] > Integer.MAX_VALUE
                || shape[1] * itemSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(".npy array of shape " + shapeText(shape) + " is too large");
        }
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        double[][] out = new double[rows][cols];
        byte[] rowBytes = new byte[cols * itemSize];
        ByteBuffer buf = ByteBuffer.wrap(rowBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            try {
                in.readFully(rowBytes);
            } catch (EOFException e) {
                throw new IllegalArgumentException(".npy data ends after " + r + " of " + rows + " rows");
            }
            buf.clear();
            double[] row = out[r];
            switch (descr) {
                case "<f4" -> {
                    for (int c = 0; c < cols; c++) {
                        row[c] = buf.getFloat();
                    }
                }
                case "<f8" -> {
                    for (int c = 0; c < cols; c++) {
                        row[c] = buf.getDouble();
                    }
                }
                case "<i4" -> {
                    for (int c = 0; c < cols; c++) {
                        row[c] = buf.getInt();
                    }
                }
                default -> {
                    for (int c = 0; c < cols; c++) {
                        row[c] = buf.getLong();
                    }
                }
            }
        }
        return out;
    }

    /**
     * An N-dimensional array of any supported dtype, as float32 values in C order (for images and background
     * sets, where float precision is what the model sees anyway).
     *
     * @param shape the dimensions, outermost first
     * @param data  the values, row-major
     */
    public record Array(int[] shape, float[] data) {
        public Array {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }
    }

    /**
     * Reads an array of any number of dimensions: dtypes {@code <f4}, {@code <f8}, {@code <i4}, {@code <i8} and
     * {@code |u1} (8-bit images), C order, at most {@code maxValues} values. The stream is not closed.
     */
    public static Array readArray(InputStream stream, long maxValues) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        Header h = readHeader(in);
        int itemSize = switch (h.descr) {
            case "|u1", "<u1" -> 1;
            case "<f4", "<i4" -> 4;
            case "<f8", "<i8" -> 8;
            default -> throw new IllegalArgumentException("unsupported .npy dtype '" + h.descr
                    + "'; supported: <f4, <f8, <i4, <i8, |u1, e.g. np.save(path, a.astype('<f4'))");
        };
        long count = 1;
        int[] shape = new int[h.shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (h.shape[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(".npy array of shape " + shapeText(h.shape) + " is too large");
            }
            shape[i] = (int) h.shape[i];
            count *= h.shape[i];
            if (count > maxValues) {
                throw new IllegalArgumentException(".npy array of shape " + shapeText(h.shape) + " has more than "
                        + maxValues + " values");
            }
        }
        float[] data = new float[(int) count];
        byte[] chunk = new byte[itemSize * 8192];
        ByteBuffer buf = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        int done = 0;
        while (done < data.length) {
            int n = Math.min(8192, data.length - done);
            try {
                in.readFully(chunk, 0, n * itemSize);
            } catch (EOFException e) {
                throw new IllegalArgumentException(".npy data ends after fewer than " + data.length + " values");
            }
            buf.clear();
            for (int i = 0; i < n; i++) {
                data[done++] = switch (itemSize) {
                    case 1 -> buf.get() & 0xFF;
                    case 4 -> h.descr.equals("<f4") ? buf.getFloat() : buf.getInt();
                    default -> h.descr.equals("<f8") ? (float) buf.getDouble() : buf.getLong();
                };
            }
        }
        return new Array(shape, data);
    }

    private record Header(String descr, long[] shape) {
    }

    private static Header readHeader(DataInputStream in) throws IOException {
        byte[] magic = new byte[MAGIC.length];
        try {
            in.readFully(magic);
        } catch (EOFException e) {
            throw new IllegalArgumentException("not a .npy file: shorter than its magic string");
        }
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IllegalArgumentException("not a .npy file: it does not start with \\x93NUMPY");
        }
        int major = in.readUnsignedByte();
        int minor = in.readUnsignedByte();
        long headerLength;
        if (major == 1) {
            headerLength = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
        } else if (major == 2 || major == 3) {
            headerLength = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
        } else {
            throw new IllegalArgumentException("unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        if (headerLength > MAX_HEADER) {
            throw new IllegalArgumentException(".npy header claims " + headerLength + " bytes: not a valid file");
        }
        byte[] headerBytes = new byte[(int) headerLength];
        try {
            in.readFully(headerBytes);
        } catch (EOFException e) {
            throw new IllegalArgumentException(".npy file ends inside its header");
        }
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, "descr");
        if (group(FORTRAN, header, "fortran_order").equals("True")) {
            throw new IllegalArgumentException(".npy array is in Fortran (column-major) order; save it in C order, "
                    + "e.g. np.save(path, np.ascontiguousarray(a))");
        }
        return new Header(descr, parseShape(group(SHAPE, header, "shape")));
    }

    private static String group(Pattern p, String header, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(".npy header has no valid '" + key + "' entry: " + header.strip());
        }
        return m.group(1);
    }

    private static long[] parseShape(String text) {
        String[] parts = text.split(",");
        int n = 0;
        long[] dims = new long[parts.length];
        for (String part : parts) {
            String s = part.strip();
            if (s.endsWith("L")) {
                s = s.substring(0, s.length() - 1); // Python 2 wrote longs as 3L
            }
            if (s.isEmpty()) {
                continue; // the trailing comma of a 1-tuple, or "()"
            }
            try {
                dims[n] = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(".npy header has an invalid shape (" + text + ")");
            }
            if (dims[n++] < 0) {
                throw new IllegalArgumentException(".npy header has a negative dimension (" + text + ")");
            }
        }
        return Arrays.copyOf(dims, n);
    }

    private static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }
}

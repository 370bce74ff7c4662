package dev.anchorwatch.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Open Inference binary tensor data extension read from a body alone: a JSON header followed by the raw bytes
 * of every tensor whose {@code parameters.binary_data_size} is set, in tensor order, little-endian. KServe's logger
 * copies such bodies without the {@code Inference-Header-Content-Length} header, so the header's end is found by
 * parsing one JSON value from the start. Decoded tensors get their values as an ordinary JSON {@code data} list.
 */
public final class BinaryTensors {

    /** Values whose JSON text would exceed a byte budget are refused first: at most this many bytes per value. */
    public static final int JSON_BYTES_PER_VALUE = 24;

    private BinaryTensors() {
    }

    /** Offset just past the first JSON value of {@code body}; fails when the body does not start with one. */
    public static int jsonEnd(byte[] body) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new IllegalArgumentException("body is empty");
            }
            p.skipChildren();
            long end = p.currentLocation().getByteOffset();
            if (end < 0 || end > body.length) {
                // no byte offset: the parser read the body as UTF-16 or UTF-32 (it starts with a zero byte)
                throw new IllegalArgumentException("body is not UTF-8 JSON");
            }
            return (int) end;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("body is not JSON: " + e.getMessage(), e);
        }
    }

    /** Whether any tensor under {@code field} ("inputs" or "outputs") declares binary data. */
    public static boolean declaresBinary(JsonNode header, String field) {
        for (JsonNode t : header.path(field)) {
            if (t.path("parameters").has("binary_data_size")) {
                return true;
            }
        }
        return false;
    }

    /** Whether only whitespace follows the JSON header. */
    public static boolean onlyWhitespaceAfter(byte[] body, int from) {
        for (int i = from; i < body.length; i++) {
            byte b = body[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    /**
     * Fills {@code data} of every binary tensor under {@code field} from the bytes after {@code headerEnd}.
     *
     * @param maxJsonBytes the decoded values may take at most this many bytes as JSON (estimated at
     *                     {@link #JSON_BYTES_PER_VALUE} per value, before any is decoded)
     * @throws IllegalArgumentException saying exactly what does not fit
     */
    public static void decode(ObjectNode header, byte[] body, int headerEnd, String field, long maxJsonBytes) {
        ByteBuffer rest = ByteBuffer.wrap(body, headerEnd, body.length - headerEnd).slice().order(ByteOrder.LITTLE_ENDIAN);
        long values = 0;
        long declared = 0;
        for (JsonNode t : header.path(field)) {
            JsonNode size = t.path("parameters").get("binary_data_size");
            if (size == null) {
                continue;
            }
            String name = t.path("name").asText("?");
            if (!size.canConvertToLong() || size.asLong() < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': binary_data_size " + size + " is not a size");
            }
            if (t.has("data")) {
                throw new IllegalArgumentException("tensor '" + name + "' has both \"data\" and binary_data_size");
            }
            int width = width(t.path("datatype").asText(""), name);
            if (width > 0 && size.asLong() % width != 0) {
                throw new IllegalArgumentException("tensor '" + name + "': binary_data_size " + size + " is not a multiple of "
                        + width + " bytes (" + t.path("datatype").asText() + ")");
            }
            declared += size.asLong();
            values += width > 0 ? size.asLong() / width : size.asLong() / 4 + 1;
        }
        if (declared != rest.remaining()) {
            throw new IllegalArgumentException("the tensors declare " + declared + " bytes of binary data (binary_data_size), "
                    + "but " + rest.remaining() + " bytes follow the " + headerEnd + "-byte JSON header");
        }
        if (values * JSON_BYTES_PER_VALUE > maxJsonBytes) {
            throw new IllegalArgumentException("binary tensors of " + values + " values would take about "
                    + values * JSON_BYTES_PER_VALUE + " bytes as JSON, more than the " + maxJsonBytes + " allowed");
        }
        for (JsonNode t : header.path(field)) {
            JsonNode size = t.path("parameters").get("binary_data_size");
            if (size == null) {
                continue;
            }
            ObjectNode tensor = (ObjectNode) t;
            String type = t.path("datatype").asText("");
            int bytes = (int) size.asLong();
            ArrayNode data = tensor.putArray("data");
            if (type.equals("BYTES")) {
                int end = rest.position() + bytes;
                while (rest.position() < end) {
                    if (end - rest.position() < 4) {
                        throw new IllegalArgumentException("tensor '" + t.path("name").asText("?")
                                + "': BYTES element without its 4-byte length");
                    }
                    int len = rest.getInt();
                    if (len < 0 || len > end - rest.position()) {
                        throw new IllegalArgumentException("tensor '" + t.path("name").asText("?")
                                + "': BYTES element of " + Integer.toUnsignedString(len) + " bytes overruns the tensor");
                    }
                    byte[] s = new byte[len];
                    rest.get(s);
                    data.add(new String(s, StandardCharsets.UTF_8));
                }
                continue;
            }
            int width = width(type, "");
            for (int i = 0; i < bytes / width; i++) {
                switch (type) {
                    case "FP64" -> data.add(rest.getDouble());
                    case "FP32" -> data.add(rest.getFloat());
                    case "FP16" -> data.add(halfToFloat(rest.getShort()));
                    case "INT64" -> data.add(rest.getLong());
                    case "UINT64" -> data.add(new java.math.BigInteger(Long.toUnsignedString(rest.getLong())));
                    case "INT32" -> data.add(rest.getInt());
                    case "UINT32" -> data.add(Integer.toUnsignedLong(rest.getInt()));
                    case "INT16" -> data.add(rest.getShort());
                    case "UINT16" -> data.add(Short.toUnsignedInt(rest.getShort()));
                    case "INT8" -> data.add(rest.get());
                    case "UINT8" -> data.add(Byte.toUnsignedInt(rest.get()));
                    case "BOOL" -> data.add(rest.get() != 0);
                    default -> throw new IllegalStateException(type);
                }
            }
            tensor.with("parameters").remove("binary_data_size");
            if (tensor.get("parameters").isEmpty()) {
                tensor.remove("parameters");
            }
        }
    }

    /**
     * Bytes per element of an Open Inference datatype, 0 for BYTES (length-prefixed); unknown datatypes are refused
     * by name ({@code name} is the tensor's, for the message).
     */
    public static int width(String type, String name) {
        return switch (type) {
            case "FP64", "INT64", "UINT64" -> 8;
            case "FP32", "INT32", "UINT32" -> 4;
            case "FP16", "INT16", "UINT16" -> 2;
            case "INT8", "UINT8", "BOOL" -> 1;
            case "BYTES" -> 0;
            default -> throw new IllegalArgumentException("tensor '" + name + "': binary data of datatype '"
                    + Labels.shorten(type) + "' is not supported (FP16/32/64, (U)INT8-64, BOOL and BYTES are)");
        };
    }

    /** IEEE 754 half precision to float (Float.float16ToFloat exists only from Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant / 1024f / 16384f; // 2^-14 * mant/2^10
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}

package dev.anchorwatch.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * Word vectors read from a standard text file, one word per line followed by its numbers separated by spaces
 * ("word v1 v2 ... vd", as GloVe ships them; a word2vec text header line "count dimension" is skipped; a
 * {@code .gz} file is decompressed). Vectors are kept normalised, so a dot product is the cosine similarity.
 *
 * <p>{@link #neighbours} finds a word's nearest words by brute force over the vocabulary (about 45 ms for
 * 400,000 words of 100 dimensions on a busy 2-core VM) and caches the answer, so a word is searched once per
 * process. Immutable apart from that cache; safe to share between threads and explainers.
 */
public final class WordVectors {
    private static final int CACHE_LIMIT = 50_000;

    private final String[] words;
    private final Map<String, Integer> index;
    private final float[] unit;
    private final int dimension;
    private final boolean lowercaseVocabulary;
    private final boolean[] replacement; // tokenizes as exactly one word: usable as a replacement
    private final boolean[] lower;       // has no upper-case letter
    private final Map<Long, List<Neighbour>> cache = new ConcurrentHashMap<>();

    private WordVectors(String[] words, float[] unit, int dimension) {
        this.words = words;
        this.unit = unit;
        this.dimension = dimension;
        this.index = new HashMap<>(words.length * 2);
        this.replacement = new boolean[words.length];
        this.lower = new boolean[words.length];
        boolean allLower = true;
        for (int i = 0; i < words.length; i++) {
            index.putIfAbsent(words[i], i);
            replacement[i] = Tokenizer.isSingleWord(words[i]);
            lower[i] = words[i].equals(words[i].toLowerCase(Locale.ROOT));
            allLower &= lower[i];
        }
        this.lowercaseVocabulary = allLower;
    }

    /**
     * Reads a vectors file.
     *
     * @param maxWords read at most this many words (the first ones: GloVe files are sorted by frequency); 0 for all
     * @throws IllegalArgumentException naming the file and line of a malformed line
     */
    public static WordVectors load(Path file, int maxWords) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz")) {
                in = new GZIPInputStream(in, 1 << 16);
            }
            return read(new InputStreamReader(in, StandardCharsets.UTF_8), file.toString(), maxWords);
        } finally {
            in.close();
        }
    }

    /** Reads vectors from {@code reader}; {@code source} names it in messages. Does not close the reader. */
    public static WordVectors read(Reader reader, String source, int maxWords) throws IOException {
        if (maxWords < 0) {
            throw new IllegalArgumentException("maxWords must be >= 0 (0 = all)");
        }
        BufferedReader lines = reader instanceof BufferedReader b ? b : new BufferedReader(reader, 1 << 16);
        List<String> words = new ArrayList<>();
        Map<String, Boolean> seen = new HashMap<>();
        float[] data = new float[1 << 12];
        int dimension = -1;
        int lineNo = 0;
        String line;
        while ((line = lines.readLine()) != null && (maxWords == 0 || words.size() < maxWords)) {
            lineNo++;
            String stripped = line.strip();
            if (stripped.isEmpty()) {
                continue;
            }
            String[] parts = stripped.split("[ \t]+");
            if (lineNo == 1 && parts.length == 2 && isInteger(parts[0]) && isInteger(parts[1])) {
                continue; // word2vec text header: "count dimension"
            }
            if (dimension < 0) {
                dimension = parts.length - 1;
                if (dimension < 1) {
                    throw new IllegalArgumentException(source + " line " + lineNo
                            + ": expected a word followed by its vector's numbers");
                }
            }
            if (parts.length < dimension + 1) {
                throw new IllegalArgumentException(source + " line " + lineNo + ": expected a word and " + dimension
                        + " numbers (as on the first line), found " + (parts.length - 1) + " fields after the word");
            }
            int wordParts = parts.length - dimension; // a word may contain spaces (GloVe 840B has a few)
            String word = wordParts == 1 ? parts[0] : String.join(" ", Arrays.copyOf(parts, wordParts));
            if (seen.putIfAbsent(word, Boolean.TRUE) != null) {
                continue; // keep the first vector of a duplicated word
            }
            int row = words.size();
            if ((long) (row + 1) * dimension > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(source + ": too many vectors to hold; set a word limit");
            }
            if (data.length < (row + 1) * dimension) {
                data = Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 8,
                        Math.max((long) (row + 1) * dimension, 2L * data.length)));
            }
            int base = row * dimension;
            double norm = 0;
            for (int d = 0; d < dimension; d++) {
                float v;
                try {
                    v = Float.parseFloat(parts[wordParts + d]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(source + " line " + lineNo + ": '" + shorten(parts[wordParts + d])
                            + "' is not a number");
                }
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException(source + " line " + lineNo + ": value " + v + " is not finite");
                }
                data[base + d] = v;
                norm += (double) v * v;
            }
            if (norm > 0) {
                float inv = (float) (1 / Math.sqrt(norm));
                for (int d = 0; d < dimension; d++) {
                    data[base + d] *= inv;
                }
            }
            words.add(word);
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException(source + ": no word vectors found");
        }
        return new WordVectors(words.toArray(String[]::new), Arrays.copyOf(data, words.size() * dimension),
                dimension);
    }

    private static boolean isInteger(String s) {
        return s.chars().allMatch(Character::isDigit) && !s.isEmpty();
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    public int size() {
        return words.length;
    }

    public int dimension() {
        return dimension;
    }

    /** True when no word of the vocabulary has an upper-case letter (as GloVe's uncased files). */
    public boolean lowercaseVocabulary() {
        return lowercaseVocabulary;
    }

    public boolean contains(String word) {
        return lookup(word) >= 0;
    }

    /** The word itself, else its lower-case form; -1 if neither is in the vocabulary. */
    private int lookup(String word) {
        Integer i = index.get(word);
        if (i == null) {
            i = index.get(word.toLowerCase(Locale.ROOT));
        }
        return i == null ? -1 : i;
    }

    /** Cosine similarity of two words of the vocabulary. */
    public double similarity(String a, String b) {
        int i = lookup(a);
        int j = lookup(b);
        if (i < 0 || j < 0) {
            throw new IllegalArgumentException("not in the vocabulary: " + (i < 0 ? a : b));
        }
        return dot(i, j);
    }

    private double dot(int i, int j) {
        double s = 0;
        int a = i * dimension;
        int b = j * dimension;
        for (int d = 0; d < dimension; d++) {
            s += unit[a + d] * unit[b + d];
        }
        return s;
    }

    /**
     * The {@code topN} words most cosine-similar to {@code word}, most similar first (ties: earlier in the file
     * first). Left out: the word itself in any letter case, entries that are not a single word (punctuation,
     * phrases), and — in a cased vocabulary — words whose case style differs (a lower-case word gets lower-case
     * neighbours, a capitalised one capitalised neighbours). Empty if the word has no vector.
     */
    public List<Neighbour> neighbours(String word, int topN) {
        if (topN < 1) {
            throw new IllegalArgumentException("topN must be >= 1");
        }
        int w = lookup(word);
        if (w < 0) {
            return List.of();
        }
        long key = ((long) w << 32) | topN;
        List<Neighbour> cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        List<Neighbour> found = search(w, topN);
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(key, found);
        return found;
    }

    private List<Neighbour> search(int w, int topN) {
        String self = words[w];
        boolean wantLower = lower[w];
        // a bounded min-heap of candidates, by (similarity, then later index = worse)
        int[] heap = new int[topN];
        double[] sim = new double[topN];
        int size = 0;
        for (int i = 0; i < words.length; i++) {
            if (i == w || !replacement[i] || (!lowercaseVocabulary && lower[i] != wantLower)
                    || words[i].equalsIgnoreCase(self)) {
                continue;
            }
            double s = dot(w, i);
            if (size < topN) {
                heap[size] = i;
                sim[size] = s;
                siftUp(heap, sim, size++);
            } else if (s > sim[0]) { // equal similarity: the earlier word (already in) wins
                heap[0] = i;
                sim[0] = s;
                siftDown(heap, sim, size);
            }
        }
        List<Neighbour> out = new ArrayList<>(size);
        Integer[] order = new Integer[size];
        for (int k = 0; k < size; k++) {
            order[k] = k;
        }
        Arrays.sort(order, (a, b) -> sim[a] != sim[b] ? Double.compare(sim[b], sim[a]) : Integer.compare(heap[a], heap[b]));
        for (int k : order) {
            out.add(new Neighbour(words[heap[k]], sim[k]));
        }
        return List.copyOf(out);
    }

    /** Heap order: the root is the worst kept candidate (lowest similarity; on ties the later word). */
    private static boolean worse(int[] heap, double[] sim, int a, int b) {
        return sim[a] < sim[b] || (sim[a] == sim[b] && heap[a] > heap[b]);
    }

    private static void siftUp(int[] heap, double[] sim, int k) {
        while (k > 0) {
            int parent = (k - 1) / 2;
            if (!worse(heap, sim, k, parent)) {
                return;
            }
            swap(heap, sim, k, parent);
            k = parent;
        }
    }

    private static void siftDown(int[] heap, double[] sim, int size) {
        int k = 0;
        while (true) {
            int l = 2 * k + 1;
            int r = l + 1;
            int m = k;
            if (l < size && worse(heap, sim, l, m)) {
                m = l;
            }
            if (r < size && worse(heap, sim, r, m)) {
                m = r;
            }
            if (m == k) {
                return;
            }
            swap(heap, sim, k, m);
            k = m;
        }
    }

    private static void swap(int[] heap, double[] sim, int a, int b) {
        int t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
        double s = sim[a];
        sim[a] = sim[b];
        sim[b] = s;
    }
}

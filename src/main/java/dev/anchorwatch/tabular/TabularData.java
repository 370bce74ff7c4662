package dev.anchorwatch.tabular;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Immutable training data for the tabular explainer: feature names, rows in the encoded form the model sees
 * (categories label-encoded, code = index into the category's name list), and the category map.
 * A feature is categorical iff the category map has an entry for it.
 *
 * <p>Every value is finite and every categorical value is an integer code within its category list, so the
 * discretizer and sampler never meet a value they cannot place.
 */
public final class TabularData {
    private final List<String> featureNames;
    private final double[][] rows;
    private final Map<Integer, List<String>> categoryMap;
    private final double[] min;
    private final double[] max;

    private TabularData(List<String> featureNames, double[][] rows, Map<Integer, List<String>> categoryMap) {
        this.featureNames = featureNames;
        this.rows = rows;
        this.categoryMap = categoryMap;
        int d = featureNames.size();
        this.min = new double[d];
        this.max = new double[d];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (double[] row : rows) {
            for (int f = 0; f < d; f++) {
                min[f] = Math.min(min[f], row[f]);
                max[f] = Math.max(max[f], row[f]);
            }
        }
    }

    /**
     * Validates and copies the given data.
     *
     * @param featureNames one distinct, non-blank name per column
     * @param rows         at least one row, each with one finite value per feature
     * @param categoryMap  feature index → category names (code = index); may be empty or null (all numeric)
     * @throws IllegalArgumentException naming the offending row and feature
     */
    public static TabularData of(List<String> featureNames, double[][] rows, Map<Integer, List<String>> categoryMap) {
        List<String> names = checkNames(featureNames);
        Map<Integer, List<String>> cats = checkCategoryMap(categoryMap, names);
        if (rows == null || rows.length == 0) {
            throw new IllegalArgumentException("training data has no rows");
        }
        double[][] copy = new double[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            double[] row = rows[r];
            if (row == null || row.length != names.size()) {
                throw new IllegalArgumentException("row " + r + " has " + (row == null ? 0 : row.length)
                        + " values but there are " + names.size() + " features");
            }
            for (int f = 0; f < row.length; f++) {
                checkValue(row[f], f, names, cats, "row " + r);
            }
            copy[r] = row.clone();
        }
        return new TabularData(names, copy, cats);
    }

    /** The same check for training rows and explained instances: finite, and a known code if categorical. */
    static void checkValue(double v, int f, List<String> names, Map<Integer, List<String>> cats, String where) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(where + ", feature '" + names.get(f) + "': value " + v
                    + " is not a finite number");
        }
        List<String> categories = cats.get(f);
        if (categories != null && (v != Math.rint(v) || v < 0 || v >= categories.size())) {
            throw new IllegalArgumentException(where + ", feature '" + names.get(f) + "': unknown category code "
                    + v + " (expected an integer code 0.." + (categories.size() - 1) + ")");
        }
    }

    private static List<String> checkNames(List<String> featureNames) {
        if (featureNames == null || featureNames.isEmpty()) {
            throw new IllegalArgumentException("feature names are missing");
        }
        List<String> names = List.copyOf(featureNames);
        Set<String> seen = new HashSet<>();
        for (int f = 0; f < names.size(); f++) {
            String n = names.get(f);
            if (n.isBlank()) {
                throw new IllegalArgumentException("feature " + f + " has a blank name");
            }
            if (!seen.add(n)) {
                throw new IllegalArgumentException("feature name '" + n + "' appears twice");
            }
        }
        return names;
    }

    private static Map<Integer, List<String>> checkCategoryMap(Map<Integer, List<String>> categoryMap,
                                                               List<String> names) {
        Map<Integer, List<String>> cats = new TreeMap<>();
        if (categoryMap == null) {
            return Collections.unmodifiableMap(cats);
        }
        for (Map.Entry<Integer, List<String>> e : categoryMap.entrySet()) {
            int f = e.getKey();
            if (f < 0 || f >= names.size()) {
                throw new IllegalArgumentException("category map names feature index " + f + " but there are "
                        + names.size() + " features");
            }
            if (e.getValue() == null || e.getValue().isEmpty()) {
                throw new IllegalArgumentException("category map entry for feature '" + names.get(f) + "' is empty");
            }
            cats.put(f, List.copyOf(e.getValue()));
        }
        return Collections.unmodifiableMap(cats);
    }

    /**
     * Reads CSV (RFC 4180 quoting, UTF-8, optional BOM) with a header row of feature names.
     * Cells of a categorical feature may hold either the integer code or the category name.
     *
     * @param categoryMap feature index → category names, indexed after the label column is dropped
     * @param labelColumn name of a header column to drop (the target), or null to keep every column
     */
    public static TabularData fromCsv(Reader reader, Map<Integer, List<String>> categoryMap, String labelColumn)
            throws IOException {
        CsvReader csv = new CsvReader(reader);
        List<String> header = csv.next();
        if (header == null) {
            throw new IllegalArgumentException("CSV is empty: expected a header row of feature names");
        }
        int drop = -1;
        if (labelColumn != null) {
            drop = header.indexOf(labelColumn);
            if (drop < 0) {
                throw new IllegalArgumentException("CSV has no label column '" + labelColumn + "'; header is "
                        + header);
            }
        }
        List<String> names = new ArrayList<>(header);
        if (drop >= 0) {
            names.remove(drop);
        }
        names = checkNames(names);
        Map<Integer, List<String>> cats = checkCategoryMap(categoryMap, names);
        List<Map<String, Integer>> codeOfName = new ArrayList<>();
        for (int f = 0; f < names.size(); f++) {
            Map<String, Integer> m = new HashMap<>();
            List<String> c = cats.get(f);
            if (c != null) {
                for (int i = c.size() - 1; i >= 0; i--) {
                    m.put(c.get(i), i); // the first occurrence wins if a name repeats
                }
            }
            codeOfName.add(m);
        }

        List<double[]> rows = new ArrayList<>();
        List<String> cells;
        while ((cells = csv.next()) != null) {
            int line = csv.recordLine();
            if (cells.size() == 1 && cells.get(0).isEmpty()) {
                continue; // a blank line
            }
            if (cells.size() != header.size()) {
                throw new IllegalArgumentException("CSV line " + line + " has " + cells.size()
                        + " cells but the header has " + header.size());
            }
            double[] row = new double[names.size()];
            for (int c = 0, f = 0; c < cells.size(); c++) {
                if (c == drop) {
                    continue;
                }
                row[f] = parseCell(cells.get(c), f, names, codeOfName.get(f), line);
                checkValue(row[f], f, names, cats, "CSV line " + line);
                f++;
            }
            rows.add(row);
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("CSV has a header but no data rows");
        }
        return new TabularData(names, rows.toArray(new double[0][]), cats);
    }

    /** Reads UTF-8 CSV; see {@link #fromCsv(Reader, Map, String)}. */
    public static TabularData fromCsv(InputStream in, Map<Integer, List<String>> categoryMap, String labelColumn)
            throws IOException {
        return fromCsv(new InputStreamReader(in, StandardCharsets.UTF_8), categoryMap, labelColumn);
    }

    private static double parseCell(String cell, int f, List<String> names, Map<String, Integer> codeOfName,
                                    int line) {
        String s = cell.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("CSV line " + line + ", column '" + names.get(f) + "': empty cell");
        }
        if (DECIMAL.matcher(s).matches()) {
            return Double.parseDouble(s);
        }
        Integer code = codeOfName.get(s);
        if (code != null) {
            return code;
        }
        throw new IllegalArgumentException("CSV line " + line + ", column '" + names.get(f)
                + "': '" + cell + "' is not a number" + (codeOfName.isEmpty() ? "" : " nor a known category"));
    }

    /** Plain decimal notation only: Java's parser would also accept "1d", "0x1p3", "NaN" and "Infinity". */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /**
     * Reads a 2-D NumPy {@code .npy} array (see {@link NpyReader} for the supported forms), one row per sample.
     *
     * @param featureNames one name per column
     * @param categoryMap  feature index → category names, or null
     */
    public static TabularData fromNpy(InputStream in, List<String> featureNames,
                                      Map<Integer, List<String>> categoryMap) throws IOException {
        double[][] rows = NpyReader.read2d(in);
        if (featureNames != null && rows.length > 0 && rows[0].length != featureNames.size()) {
            throw new IllegalArgumentException(".npy array has " + rows[0].length + " columns but "
                    + featureNames.size() + " feature names were given");
        }
        List<String> names = checkNames(featureNames);
        Map<Integer, List<String>> cats = checkCategoryMap(categoryMap, names);
        if (rows.length == 0) {
            throw new IllegalArgumentException("training data has no rows");
        }
        for (int r = 0; r < rows.length; r++) {
            for (int f = 0; f < names.size(); f++) {
                checkValue(rows[r][f], f, names, cats, "row " + r);
            }
        }
        return new TabularData(names, rows, cats); // rows are freshly read: no copy needed
    }

    public int rowCount() {
        return rows.length;
    }

    public int featureCount() {
        return featureNames.size();
    }

    public List<String> featureNames() {
        return featureNames;
    }

    public String featureName(int feature) {
        return featureNames.get(feature);
    }

    public boolean isCategorical(int feature) {
        return categoryMap.containsKey(feature);
    }

    /** Category names of a categorical feature (code = index), or null for a numeric one. */
    public List<String> categories(int feature) {
        return categoryMap.get(feature);
    }

    /** Unmodifiable, ordered by feature index. */
    public Map<Integer, List<String>> categoryMap() {
        return categoryMap;
    }

    public double value(int row, int feature) {
        return rows[row][feature];
    }

    /** A copy of one row. */
    public double[] row(int row) {
        return rows[row].clone();
    }

    /** A copy of one column. */
    public double[] column(int feature) {
        double[] c = new double[rows.length];
        for (int r = 0; r < rows.length; r++) {
            c[r] = rows[r][feature];
        }
        return c;
    }

    public double min(int feature) {
        return min[feature];
    }

    public double max(int feature) {
        return max[feature];
    }

    /** The backing row; callers in this package must not modify it (it avoids a copy in the sampling loop). */
    double[] rowView(int row) {
        return rows[row];
    }

    /** Checks an instance to explain with the same rules as training rows. */
    void checkInstance(double[] instance) {
        if (instance == null) {
            throw new IllegalArgumentException("instance is missing");
        }
        if (instance.length != featureNames.size()) {
            throw new IllegalArgumentException("instance has " + instance.length + " values but the model has "
                    + featureNames.size() + " features " + featureNames);
        }
        for (int f = 0; f < instance.length; f++) {
            checkValue(instance[f], f, featureNames, categoryMap, "instance");
        }
    }

    @Override
    public String toString() {
        return "TabularData[" + rows.length + " rows x " + featureNames.size() + " features, categorical "
                + categoryMap.keySet() + "]";
    }
}

package dev.anchorwatch.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Numeric rows with a class label each, as read from a CSV file with a header (categories label-encoded).
 *
 * @param featureNames the header's names, label column excluded
 * @param x            one row of feature values per example
 * @param y            the class index of each example
 */
public record LabeledData(List<String> featureNames, double[][] x, int[] y) {

    public LabeledData {
        featureNames = List.copyOf(featureNames);
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " rows but " + y.length + " labels");
        }
    }

    public int size() {
        return y.length;
    }

    /**
     * Reads a CSV file of numbers: a header line, then one example per line, the label in column
     * {@code labelColumn} (an integer class index), every other column a feature. No quoting is supported: the
     * files are numeric.
     */
    public static LabeledData readCsv(Reader reader, String labelColumn) throws IOException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        String header = in.readLine();
        if (header == null) {
            throw new IOException("CSV is empty: no header line");
        }
        List<String> names = new ArrayList<>(Arrays.asList(header.strip().split(",", -1)));
        int label = names.indexOf(labelColumn);
        if (label < 0) {
            throw new IOException("CSV header has no column '" + labelColumn + "': " + names);
        }
        names.remove(label);
        int width = names.size() + 1;
        List<double[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        String line;
        int lineNo = 1;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.strip().split(",", -1);
            if (cells.length != width) {
                throw new IOException("CSV line " + lineNo + " has " + cells.length + " cells, header has " + width);
            }
            double[] row = new double[width - 1];
            try {
                for (int c = 0, f = 0; c < width; c++) {
                    if (c == label) {
                        labels.add(Integer.parseInt(cells[c].strip()));
                    } else {
                        row[f++] = Double.parseDouble(cells[c].strip());
                    }
                }
            } catch (NumberFormatException e) {
                throw new IOException("CSV line " + lineNo + " has a value that is not a number: " + e.getMessage());
            }
            rows.add(row);
        }
        return new LabeledData(names, rows.toArray(double[][]::new),
                labels.stream().mapToInt(Integer::intValue).toArray());
    }
}

package dev.anchorwatch.tabular;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TabularDataTest {

    private static TabularData csv(String text, Map<Integer, List<String>> cats, String label) throws IOException {
        return TabularData.fromCsv(new StringReader(text), cats, label);
    }

    private static String csvError(String text, Map<Integer, List<String>> cats, String label) {
        return assertThrows(IllegalArgumentException.class, () -> csv(text, cats, label)).getMessage();
    }

    @Test
    void adultCsvLoadsWithTheLabelDropped() {
        TabularData d = Adult.TRAIN;
        assertEquals(30_000, d.rowCount());
        assertEquals(12, d.featureCount());
        assertEquals(List.of("Age", "Workclass", "Education", "Marital Status", "Occupation", "Relationship",
                "Race", "Sex", "Capital Gain", "Capital Loss", "Hours per week", "Country"), d.featureNames());
        assertArrayEquals(new double[]{27, 4, 4, 2, 1, 4, 4, 0, 0, 0, 44, 9}, d.row(0));
        assertTrue(d.isCategorical(Adult.SEX));
        assertFalse(d.isCategorical(Adult.AGE));
        assertEquals(List.of("Female", "Male"), d.categories(Adult.SEX));
        assertEquals(17, d.min(Adult.AGE));
        assertEquals(90, d.max(Adult.AGE));
    }

    @Test
    void csvQuotingCategoryNamesAndALabelInTheMiddle() throws IOException {
        String text = "\uFEFF\"size, cm\",label,\"colour \"\"name\"\"\"\r\n"
                + "1.5,0,red\r\n"
                + "\"2e1\",1,1\r\n"
                + "\n"
                + "-3,0,\"green\"\n";
        // the category map is indexed after the label column is dropped: feature 1 is the colour
        TabularData d = csv(text, Map.of(1, List.of("red", "green")), "label");
        assertEquals(List.of("size, cm", "colour \"name\""), d.featureNames());
        assertEquals(3, d.rowCount(), "the blank line is skipped");
        assertArrayEquals(new double[]{1.5, 0}, d.row(0));
        assertArrayEquals(new double[]{20, 1}, d.row(1), "codes and names are both accepted");
        assertArrayEquals(new double[]{-3, 1}, d.row(2));
    }

    @Test
    void csvErrorsNameTheLineAndColumn() {
        Map<Integer, List<String>> cats = Map.of(1, List.of("a", "b"));
        assertEquals("CSV line 3 has 2 cells but the header has 3",
                csvError("x,c,y\n1,a,2\n3,b\n", cats, null));
        assertEquals("CSV line 2, column 'y': 'abc' is not a number",
                csvError("x,c,y\n1,a,abc\n", cats, null));
        assertEquals("CSV line 2, column 'c': 'z' is not a number nor a known category",
                csvError("x,c,y\n1,z,2\n", cats, null));
        assertEquals("CSV line 3, feature 'c': unknown category code 5.0 (expected an integer code 0..1)",
                csvError("x,c,y\n1,0,2\n1,5,2\n", cats, null));
        assertEquals("CSV line 2, feature 'c': unknown category code 0.5 (expected an integer code 0..1)",
                csvError("x,c,y\n1,0.5,2\n", cats, null));
        assertEquals("CSV line 2, column 'x': empty cell", csvError("x,c,y\n,0,2\n", cats, null));
        assertTrue(csvError("x,c,y\nNaN,0,2\n", cats, null).contains("'NaN' is not a number"));
        assertEquals("CSV has no label column 'target'; header is [x, c, y]", csvError("x,c,y\n1,0,2\n", cats, "target"));
        assertEquals("CSV is empty: expected a header row of feature names", csvError("", null, null));
        assertEquals("CSV has a header but no data rows", csvError("x,y\n", null, null));
        assertEquals("feature name 'x' appears twice", csvError("x,x\n1,2\n", null, null));
        assertEquals("CSV line 2: quoted field is never closed", csvError("x,y\n\"1,2\n", null, null));
        assertEquals("category map names feature index 3 but there are 2 features",
                csvError("x,y\n1,2\n", Map.of(3, List.of("a")), null));
    }

    @Test
    void rowsAreValidatedAndCopied() {
        double[][] rows = {{1, 0}, {2, 1}};
        TabularData d = TabularData.of(List.of("a", "b"), rows, Map.of(1, List.of("no", "yes")));
        rows[0][0] = 99;
        assertEquals(1, d.value(0, 0), "the caller's array is copied");
        d.row(0)[0] = 99;
        assertEquals(1, d.value(0, 0), "row() returns a copy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TabularData.of(List.of("a", "b"), new double[][]{{1, 0}, {2}}, null));
        assertEquals("row 1 has 1 values but there are 2 features", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TabularData.of(List.of("a", "b"), new double[][]{{1, Double.POSITIVE_INFINITY}}, null));
        assertEquals("row 0, feature 'b': value Infinity is not a finite number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TabularData.of(List.of("a", "b"), new double[][]{{1, -1}}, Map.of(1, List.of("no", "yes"))));
        assertEquals("row 0, feature 'b': unknown category code -1.0 (expected an integer code 0..1)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TabularData.of(List.of("a"), new double[0][], null));
    }

    private static InputStream npy(String name) {
        return TabularDataTest.class.getResourceAsStream(name + ".npy");
    }

    // Fixtures written by numpy 2.4: np.save(name, a.astype(dtype)); f8_v2 with format.write_array(version=(2, 0))
    private static final double[][] FLOATS = {{1.5, 0, 2}, {-3.25, 1, 0.1}, {7, 2, 1e-3}};
    private static final double[][] INTS = {{1, 0, 2}, {-3, 1, 0}, {7, 2, 1}};

    @Test
    void npyFloatAndIntArraysInBothHeaderVersions() throws IOException {
        assertArrayEquals(FLOATS, NpyReader.read2d(npy("f8")));
        assertArrayEquals(FLOATS, NpyReader.read2d(npy("f8_v2")));
        double[][] f4 = NpyReader.read2d(npy("f4"));
        assertEquals((double) 0.1f, f4[1][2], "float32 widened exactly");
        assertEquals(-3.25, f4[1][0]);
        assertArrayEquals(INTS, NpyReader.read2d(npy("i4")));
        assertArrayEquals(INTS, NpyReader.read2d(npy("i8")));
    }

    @Test
    void npyTrainingDataWithACategoryMap() throws IOException {
        TabularData d = TabularData.fromNpy(npy("i8"), List.of("a", "kind", "c"),
                Map.of(1, List.of("x", "y", "z")));
        assertEquals(3, d.rowCount());
        assertEquals(List.of("x", "y", "z"), d.categories(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TabularData.fromNpy(npy("i8"), List.of("a", "kind", "c"), Map.of(0, List.of("x", "y"))));
        assertEquals("row 1, feature 'a': unknown category code -3.0 (expected an integer code 0..1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TabularData.fromNpy(npy("f8"), List.of("a"), null));
        assertEquals(".npy array has 3 columns but 1 feature names were given", e.getMessage());
    }

    private static String npyError(InputStream in) {
        return assertThrows(IllegalArgumentException.class, () -> NpyReader.read2d(in)).getMessage();
    }

    @Test
    void npyErrorsSayWhatWasFound() throws IOException {
        assertTrue(npyError(npy("fortran")).startsWith(".npy array is in Fortran (column-major) order"));
        assertTrue(npyError(npy("big_endian")).startsWith("unsupported .npy dtype '>f8'"), npyError(npy("big_endian")));
        assertTrue(npyError(npy("u1")).startsWith("unsupported .npy dtype '|u1'"));
        assertEquals(".npy array has 3 dimension(s), shape (2, 2, 2); expected a 2-D array of rows x features",
                npyError(npy("three_d")));
        assertEquals(".npy array has 1 dimension(s), shape (4,); expected a 2-D array of rows x features",
                npyError(npy("one_d")));
        assertEquals("not a .npy file: it does not start with \\x93NUMPY",
                npyError(new ByteArrayInputStream("x,y\n1,2\n".getBytes(StandardCharsets.US_ASCII))));
        byte[] whole = npy("f8").readAllBytes();
        byte[] truncated = java.util.Arrays.copyOf(whole, whole.length - 10);
        assertEquals(".npy data ends after 2 of 3 rows", npyError(new ByteArrayInputStream(truncated)));
        byte[] v9 = whole.clone();
        v9[6] = 9;
        assertEquals("unsupported .npy format version 9.0 (supported: 1.0, 2.0, 3.0)",
                npyError(new ByteArrayInputStream(v9)));
    }
}

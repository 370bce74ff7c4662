package dev.anchorwatch.shap;

/**
 * One instance's KernelSHAP explanation.
 *
 * @param shapValues     per output (class) and feature group, in the link's space; 0 for groups whose value equals
 *                       every background row's
 * @param expectedValue  per output: link(E[f]) over the weighted background
 * @param rawPrediction  the model's outputs for the instance, as the model gave them
 * @param varyingGroups  groups whose instance value differs from some background row (M)
 * @param nsamples       coalitions planned (after the 2^M - 2 and max_rows limits)
 * @param coalitions     coalitions evaluated
 * @param modelRows      rows sent to the model (instance, background, coalitions x background)
 * @param rounds         model calls made (each split further by the predictor's row limit)
 * @param regularised    whether an L1 selection ran
 * @param stopReason     {@code completed}, {@code max_rows} (fewer coalitions than asked, to stay within the row
 *                       cap) or {@code time_budget} (rounds stopped early)
 */
public record ShapResult(double[][] shapValues, double[] expectedValue, double[] rawPrediction, int varyingGroups,
                         long nsamples, long coalitions, long modelRows, int rounds, boolean regularised,
                         String stopReason) {

    /** The model's output in the link's space for the instance: expected value plus the sum of the SHAP values. */
    public double reconstructed(int output) {
        double s = expectedValue[output];
        for (double v : shapValues[output]) {
            s += v;
        }
        return s;
    }
}

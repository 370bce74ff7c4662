/**
 * Anchors for tabular models (ANCHORS.md §3), as a plain library: no framework, only the JDK.
 *
 * <p>{@link dev.anchorwatch.tabular.TabularData} holds the training rows (CSV or NumPy {@code .npy});
 * {@link dev.anchorwatch.tabular.Discretizer} cuts numeric features at percentiles;
 * {@link dev.anchorwatch.tabular.TabularPredicates} turns an instance into the predicates the search combines
 * and names anchors readably; {@link dev.anchorwatch.tabular.TabularSampler} perturbs the instance with
 * training rows; {@link dev.anchorwatch.tabular.AnchorTabular} ties them to
 * {@link dev.anchorwatch.anchor.AnchorSearch}.
 */
package dev.anchorwatch.tabular;

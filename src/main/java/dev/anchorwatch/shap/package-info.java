/**
 * KernelSHAP (Lundberg and Lee, NeurIPS 2017) as a plain library: no framework, only the JDK.
 *
 * <p>{@link dev.anchorwatch.shap.KernelShap} explains one instance of a black-box model whose outputs are numbers
 * per class: it samples coalitions of feature groups with the Shapley kernel weights (small coalition sizes
 * enumerated completely, the rest sampled), evaluates each coalition by averaging the model over a
 * {@link dev.anchorwatch.shap.Background} with the coalition's features set to the instance's, optionally selects
 * features with an L1 path ({@link dev.anchorwatch.shap.L1Reg}), and solves the weighted least squares problem with
 * the efficiency constraint (SHAP values sum to f(x) - E[f]) in the space of a {@link dev.anchorwatch.shap.Link}.
 * The caller passes the model, the parameters and the one random generator.
 */
package dev.anchorwatch.shap;

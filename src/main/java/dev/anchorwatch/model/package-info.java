/**
 * The black box the explainers call: the {@link dev.anchorwatch.model.Predictor} SPI and its implementations.
 *
 * <ul>
 *   <li>{@link dev.anchorwatch.model.Predictors#http(dev.anchorwatch.model.PredictorConfig)}: a KServe V1 or Open
 *       Inference V2 client, splitting batches into row-limited requests, bounding requests in flight per client,
 *       retrying transient failures with jittered backoff;</li>
 *   <li>{@link dev.anchorwatch.model.InProcessPredictor}: any {@link dev.anchorwatch.model.Classifier} in the same
 *       JVM, such as a {@link dev.anchorwatch.model.RandomForest} trained at start or a
 *       {@link dev.anchorwatch.model.ReferenceForest} loaded from a scikit-learn export.</li>
 * </ul>
 * (The loopback V1/V2 model server that serves such classifiers for the demo and tests lives in the demo package.)
 * Plain JDK and Jackson only: no framework, so a batch job or a notebook can use it alone.
 */
package dev.anchorwatch.model;

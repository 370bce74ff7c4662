-- The viewer's query API (dev.anchorwatch.viewer.PostgresExplanationStore): outcome and costs as columns, and the
-- indexes that keep every list and window query off a full scan. Generated columns: the sink's upsert is unchanged.

-- found | not_found | failed, as dev.anchorwatch.viewer.Outcome computes it (for a body that is a list of
-- explanations, the first one's)
ALTER TABLE explanation
    ADD COLUMN outcome text GENERATED ALWAYS AS (
        CASE WHEN type = 'dev.anchorwatch.explanation.failed' THEN 'failed'
             WHEN COALESCE(body -> 'data' -> 'raw' -> 'success', body -> 0 -> 'data' -> 'raw' -> 'success') = 'false'::jsonb
                 THEN 'not_found'
             ELSE 'found' END) STORED,
    ADD COLUMN explain_ms bigint GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(timings -> 'explain') = 'number' THEN (timings ->> 'explain')::numeric::bigint END) STORED,
    ADD COLUMN predictor_calls bigint GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(timings -> 'predictor_calls') = 'number'
             THEN (timings ->> 'predictor_calls')::numeric::bigint END) STORED,
    ADD COLUMN predictor_rows bigint GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(timings -> 'predictor_rows') = 'number'
             THEN (timings ->> 'predictor_rows')::numeric::bigint END) STORED;

-- newest first, all models; and per model (replaces explanation_model_created_at, which lacked the id tie-break)
CREATE INDEX explanation_created_at_id ON explanation (created_at DESC, id DESC);
CREATE INDEX explanation_model_created_at_id ON explanation (model, created_at DESC, id DESC);
DROP INDEX explanation_model_created_at;
-- per model and outcome ("the failures of this model")
CREATE INDEX explanation_model_outcome_created_at ON explanation (model, outcome, created_at DESC, id DESC);
-- anchors containing given predicates: anchor @> ARRAY['Sex = Female']
CREATE INDEX explanation_anchor_gin ON explanation USING gin (anchor);

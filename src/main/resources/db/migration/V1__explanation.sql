-- One row per explanation (or failure to explain) of one inference. Written by PostgresExplanationSink with an
-- upsert on id, the output event id derived from the input event, so redelivered inputs do not add rows.
CREATE TABLE explanation (
    id                   text             PRIMARY KEY,
    inference_id         text             NOT NULL,
    model                text             NOT NULL,
    namespace            text,
    explainer            text             NOT NULL,
    type                 text             NOT NULL,
    reason               text,
    anchor               text[]           NOT NULL DEFAULT '{}',
    precision            double precision,
    coverage             double precision,
    served_prediction    jsonb,
    explained_prediction jsonb,
    timings              jsonb            NOT NULL DEFAULT '{}',
    created_at           timestamptz      NOT NULL,
    body                 jsonb            NOT NULL
);

-- "latest explanations of a model" and "the explanation of this inference"
CREATE INDEX explanation_model_created_at ON explanation (model, created_at DESC);
CREATE INDEX explanation_inference_id ON explanation (inference_id);

-- Whether the served prediction (from the logger's response event) differs from the one the explainer saw;
-- null while the response is unknown. Indexed for "show me the mismatches" queries.
ALTER TABLE explanation ADD COLUMN prediction_mismatch boolean;
CREATE INDEX explanation_mismatch_idx ON explanation (model, created_at) WHERE prediction_mismatch;

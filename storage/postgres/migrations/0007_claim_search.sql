-- The words a claim is found by (its id, customer and partner; storage/claimSummary.ts), lower
-- case. Claims stored before this column are filled in by the repository at start.
ALTER TABLE claims ADD COLUMN search_text text;

-- What a claim's PoE reports stand for (`precheckMarkOf` in services/precheckFacts.ts), so the
-- pre-check sweep reads only the claims whose mark is not the current one. Written with every
-- claim from now on; reports stored before they kept the policy's date limit have no mark. Here,
-- a claim the pre-check reads (PRECHECKED_STATUSES) without files is marked as such
-- ('no-files', NO_FILES_PRECHECK_MARK).
ALTER TABLE claims ADD COLUMN precheck_mark text;
UPDATE claims SET precheck_mark = 'no-files'
  WHERE status IN ('Draft', 'Submitted', 'InReview', 'PartnerActionRequired', 'Rejected', 'Disputed')
    AND jsonb_array_length(claim->'poe') = 0;

-- Which alerts of a claim are pending (`pendingAlertsMark` in services/claimFacts.ts: the first 12
-- hex digits of the MD5 of their ids in code-unit order, joined by commas), so the delivery worker
-- sees a change in the alerts it holds without reading the claim. Written with every claim from
-- now on; here for the claims stored before.
ALTER TABLE claims ADD COLUMN pending_mark text;
UPDATE claims c SET pending_mark = p.mark
  FROM (SELECT claim_id, left(md5(string_agg(id, ',' ORDER BY id COLLATE "C")), 12) AS mark
        FROM claim_alerts WHERE state = 'pending' GROUP BY claim_id) p
  WHERE p.claim_id = c.id;

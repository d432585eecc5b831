-- botbuilder's Storage (dialog stacks, user preferences): one row per key, the eTag a counter.
CREATE TABLE bot_state (
  key text PRIMARY KEY,
  etag bigint NOT NULL,
  item jsonb NOT NULL
);

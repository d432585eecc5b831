-- The keyed document store (services/store/documentStore.ts): conversation references, card
-- copies, the delivery journal, used consent tokens. One row per document; the eTag changes on
-- every write and conditional writes compare it in the statement. `tags` holds the attributes
-- `find` matches for equality (jsonb containment, GIN-indexed). `expires_at` is epoch ms of the
-- application's Clock: a row past it reads as absent, and a sweep deletes it.

CREATE TABLE documents (
  collection text NOT NULL,
  key text NOT NULL,
  etag text NOT NULL,
  body jsonb NOT NULL,
  tags jsonb NOT NULL DEFAULT '{}'::jsonb,
  expires_at bigint,
  PRIMARY KEY (collection, key)
);

CREATE INDEX documents_tags ON documents USING gin (tags jsonb_path_ops);
CREATE INDEX documents_expiry ON documents (collection, expires_at) WHERE expires_at IS NOT NULL;

-- 003 (issue #15): idempotency keys scoped per device; admission records; dead letters.
--  * A batch is keyed by (device, batchId), not batchId alone: one device can no longer learn
--    of or block another's batches. Events and episodes follow the new key.
--  * batch_keys: every (device, batchId) the API answered 202, with a canonical hash of its
--    content (server/src/store/content-hash.ts), so a re-post with other content is refused
--    409 before it is accepted. Keys accepted before this migration have no hash (NULL): a
--    re-post of one counts as a duplicate.
--  * session_starts: the sessionStartedAt the API admitted first for each session, so a batch
--    naming another start for an existing session is refused 409 (times would be measured
--    from the wrong start).
--  * dead_letters: a batch answered 202 that storage still refuses (only possible when the API
--    could not check it, e.g. the database was down at admission), with the reason; the device
--    reads them at GET /api/v1/dead-letters.
ALTER TABLE events DROP CONSTRAINT events_batch_id_fkey;
ALTER TABLE episodes DROP CONSTRAINT episodes_batch_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE batches DROP CONSTRAINT batches_pkey;
ALTER TABLE batches ADD PRIMARY KEY (device_id, batch_id);
ALTER TABLE batches ADD COLUMN content_hash text;
ALTER TABLE events ADD PRIMARY KEY (device_id, batch_id, idx);
ALTER TABLE events ADD FOREIGN KEY (device_id, batch_id) REFERENCES batches (device_id, batch_id) ON DELETE CASCADE;
ALTER TABLE episodes ADD FOREIGN KEY (device_id, batch_id) REFERENCES batches (device_id, batch_id) ON DELETE CASCADE;
DROP INDEX episodes_batch;
CREATE INDEX episodes_batch ON episodes (device_id, batch_id);

CREATE TABLE batch_keys (
  device_id    text NOT NULL,
  batch_id     uuid NOT NULL,
  -- sha-256 hex of the canonical content; NULL = accepted before migration 003.
  content_hash text,
  session_id   text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, batch_id)
);
INSERT INTO batch_keys (device_id, batch_id, session_id, received_at)
  SELECT device_id, batch_id, session_id, stored_at FROM batches;

CREATE TABLE session_starts (
  device_id  text NOT NULL,
  session_id text NOT NULL,
  started_at timestamptz NOT NULL,
  PRIMARY KEY (device_id, session_id)
);
INSERT INTO session_starts (device_id, session_id, started_at)
  SELECT device_id, session_id, started_at FROM sessions;

CREATE TABLE dead_letters (
  device_id   text NOT NULL,
  batch_id    uuid NOT NULL,
  session_id  text NOT NULL,
  reason      text NOT NULL,
  -- The batch as received, JSON text (not jsonb: text keeps what jsonb may have refused).
  batch       text NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, batch_id)
);

-- Admission of one batch (the API calls it for each batch of a group, in one statement, before
-- answering 202): 'new' (key and session start recorded), 'duplicate' (same key, same
-- content), 'conflict' (same key, other content; nothing changed), or 'session_conflict:<start>'
-- (the session is recorded with another start; the key insert is undone: nothing changed).
-- Concurrent admissions of one key serialise on its primary key; the function is VOLATILE, so
-- each statement below sees what other transactions committed and what earlier calls in the
-- same statement wrote.
CREATE FUNCTION admit_batch(p_device text, p_batch uuid, p_hash text, p_session text, p_started timestamptz)
RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  known_hash text;
  known_start timestamptz;
BEGIN
  INSERT INTO batch_keys (device_id, batch_id, content_hash, session_id)
    VALUES (p_device, p_batch, p_hash, p_session)
    ON CONFLICT (device_id, batch_id) DO NOTHING;
  IF NOT FOUND THEN
    SELECT content_hash INTO known_hash FROM batch_keys WHERE device_id = p_device AND batch_id = p_batch;
    RETURN CASE WHEN known_hash IS NULL OR known_hash = p_hash THEN 'duplicate' ELSE 'conflict' END;
  END IF;
  INSERT INTO session_starts (device_id, session_id, started_at)
    VALUES (p_device, p_session, p_started)
    ON CONFLICT (device_id, session_id) DO NOTHING;
  SELECT started_at INTO known_start FROM session_starts WHERE device_id = p_device AND session_id = p_session;
  IF known_start <> p_started THEN
    DELETE FROM batch_keys WHERE device_id = p_device AND batch_id = p_batch;
    RETURN 'session_conflict:' || to_char(known_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  END IF;
  RETURN 'new';
END
$$;

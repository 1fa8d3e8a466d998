-- 005 (issue #14): the state each device last reported (cryscope.batch/1's optional `device`
-- field): listening, paused or degraded with reasons. One row per device, written by the
-- storage transaction of the batch that carried it; a report only replaces one with an earlier
-- or equal `since` (batches can be stored out of order: outbox retries, a group's order), and
-- `changed_at` moves only when the report changes (state, reasons or since; beats repeat it). "offline" is never stored: the API
-- derives it from the device's last batch arrival (sessions.last_batch_at).
CREATE TABLE device_states (
  device_id   text PRIMARY KEY,
  state       text NOT NULL CHECK (state IN ('listening', 'paused', 'degraded')),
  reasons     text[] NOT NULL DEFAULT '{}',
  since       timestamptz NOT NULL,
  session_id  text NOT NULL,
  batch_id    uuid NOT NULL,
  changed_at  timestamptz NOT NULL DEFAULT now()
)

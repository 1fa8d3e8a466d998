-- 001: sessions, batches, events, episodes.
-- Unique keys make storage idempotent: a batch is keyed by its batchId (the client's
-- idempotency key), an event by (batch, index), an episode by (device, session, label, start).
CREATE TABLE sessions (
  device_id      text NOT NULL,
  session_id     text NOT NULL,
  started_at     timestamptz NOT NULL,
  first_batch_at timestamptz NOT NULL DEFAULT now(),
  last_batch_at  timestamptz NOT NULL DEFAULT now(),
  batch_count    integer NOT NULL DEFAULT 0,
  window_count   integer NOT NULL DEFAULT 0,
  event_count    integer NOT NULL DEFAULT 0,
  -- Latest session-relative time seen in any window/event, seconds.
  last_time_s    double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (device_id, session_id)
);

CREATE TABLE batches (
  batch_id     uuid PRIMARY KEY,
  device_id    text NOT NULL,
  session_id   text NOT NULL,
  source       text NOT NULL DEFAULT 'browser' CHECK (source IN ('browser', 'clip')),
  sent_at      timestamptz NOT NULL,
  stored_at    timestamptz NOT NULL DEFAULT now(),
  -- Temporal identity of the worker that stored it (shows scale-out in tests).
  stored_by    text NOT NULL,
  models       jsonb NOT NULL,
  windows      jsonb NOT NULL,
  window_count integer NOT NULL,
  event_count  integer NOT NULL,
  FOREIGN KEY (device_id, session_id) REFERENCES sessions (device_id, session_id)
);
CREATE INDEX batches_session ON batches (device_id, session_id);

CREATE TABLE events (
  batch_id   uuid NOT NULL REFERENCES batches (batch_id) ON DELETE CASCADE,
  idx        integer NOT NULL,
  device_id  text NOT NULL,
  session_id text NOT NULL,
  type       text NOT NULL CHECK (type IN ('onset', 'offset')),
  label      text NOT NULL CHECK (label IN ('cry', 'scream')),
  start_s    double precision NOT NULL CHECK (start_s >= 0),
  end_s      double precision CHECK (end_s >= start_s),
  peak       double precision NOT NULL CHECK (peak BETWEEN 0 AND 1),
  mean       double precision CHECK (mean BETWEEN 0 AND 1),
  PRIMARY KEY (batch_id, idx)
);
CREATE INDEX events_session ON events (device_id, session_id, start_s);

CREATE TABLE episodes (
  device_id  text NOT NULL,
  session_id text NOT NULL,
  label      text NOT NULL CHECK (label IN ('cry', 'scream')),
  start_s    double precision NOT NULL,
  end_s      double precision NOT NULL,
  duration_s double precision NOT NULL,
  peak       double precision NOT NULL,
  mean       double precision,
  -- UTC calendar day of the episode's start (session start + start_s).
  day        date NOT NULL,
  started_at timestamptz NOT NULL,
  batch_id   uuid NOT NULL REFERENCES batches (batch_id) ON DELETE CASCADE,
  alerted_at timestamptz,
  PRIMARY KEY (device_id, session_id, label, start_s)
);
CREATE INDEX episodes_batch ON episodes (batch_id);
CREATE INDEX episodes_day ON episodes (day);

-- 002: uploaded clips (POST /api/v1/clips). The audio is held here only until the workflow
-- has classified it (deleted afterwards unless keepClipAudio), because Temporal payloads
-- are size-limited and must not carry audio.
CREATE TABLE clips (
  clip_id     uuid PRIMARY KEY,
  device_id   text NOT NULL,
  session_id  text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  media_type  text NOT NULL,
  bytes       integer NOT NULL,
  audio       bytea,
  status      text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'classified', 'failed')),
  result      jsonb,
  error       text
);

-- 007 (issue #14): pairing a caregiver device with a nursery device by a one-time code instead of
-- a configured viewer key. Only SHA-256 digests are stored (hex): the database never holds a
-- code or a key that could be used as read. A code names one device, lives until expires_at
-- and is redeemed at most once (used_at, set by a conditional UPDATE: the row lock makes a second
-- concurrent redemption find it used). Redeeming creates a paired viewer key for that device;
-- a device revokes its paired keys by deleting their rows.
CREATE TABLE pairing_codes (
  code_hash   text PRIMARY KEY CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  device_id   text NOT NULL CHECK (device_id <> '' AND device_id <> '*'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE TABLE paired_viewer_keys (
  key_hash    text PRIMARY KEY CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  device_id   text NOT NULL CHECK (device_id <> '' AND device_id <> '*'),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX paired_viewer_keys_device ON paired_viewer_keys (device_id)

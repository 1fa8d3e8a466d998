-- 004 (issue #14): the caregiver feed. Each stored onset/offset gets a feed sequence number
-- AFTER its storage transaction committed (store first, then notify): the storage activity
-- publishes its batches' events in a second, short transaction (store/event-feed.ts) that
-- takes a transaction-level advisory lock, so sequence numbers become visible in increasing
-- order and a reader that has seen seq N can never later find a committed row below N.
-- NULL = stored but not yet published (published by the activity's retry if the worker died
-- in between). Events stored before this migration are published here, in storage order.
CREATE SEQUENCE event_feed_seq AS bigint;
ALTER TABLE events ADD COLUMN seq bigint;
WITH todo AS MATERIALIZED (
  SELECT p.device_id, p.batch_id, p.idx, nextval('event_feed_seq') AS seq
  FROM (SELECT ev.device_id, ev.batch_id, ev.idx FROM events ev JOIN batches b USING (device_id, batch_id)
        ORDER BY b.stored_at, ev.device_id, ev.batch_id, ev.idx) p
)
UPDATE events e SET seq = todo.seq FROM todo
WHERE e.device_id = todo.device_id AND e.batch_id = todo.batch_id AND e.idx = todo.idx;
-- The stream reads "seq > last ORDER BY seq": one index range scan. NULLs are not unique.
CREATE UNIQUE INDEX events_seq ON events (seq);
-- Last batch per device (the monitor's listening/offline state) reads sessions by device.
CREATE INDEX sessions_last_batch ON sessions (device_id, last_batch_at)

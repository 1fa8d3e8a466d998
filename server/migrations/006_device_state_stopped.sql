-- 006 (issue #14): a device may report "stopped" (the web client's stop()): a deliberate stop,
-- which the caregiver view shows at once and keeps (it is not turned into "offline" when the
-- stopped device sends nothing more). Widens 005's CHECK; the constraint keeps its name
-- (PostgreSQL's default for 005's inline CHECK), so both backends end with the same schema.
ALTER TABLE device_states DROP CONSTRAINT device_states_state_check;
ALTER TABLE device_states ADD CONSTRAINT device_states_state_check
  CHECK (state IN ('listening', 'paused', 'degraded', 'stopped'))

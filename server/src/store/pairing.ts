/**
 * Pairing codes and paired viewer keys (issue #14; migration 007), all SQL in one place.
 *
 * A nursery device asks for a one-time code (8 digits); a caregiver redeems it without any key
 * and receives a new random viewer key for that device. Only SHA-256 digests are stored, so a
 * database dump yields neither a usable code nor a usable key. Redemption is one conditional
 * UPDATE (unused and unexpired → used, RETURNING the device): on PostgreSQL the row lock makes a
 * concurrent second UPDATE re-check the row and find it used; PGlite runs one statement at a
 * time. The key is inserted in the same transaction, so a code is never used up without a key.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Db, Queryable } from '../db/adapter.js';

/** Digits of a pairing code; shown as two groups of four ("1234-5678"). */
export const CODE_DIGITS = 8;
/**
 * Live (unused, unexpired) codes a device may have at once; a new one retires the oldest. Bounds
 * the table whatever a device key does, and the number of codes a guesser could hit.
 */
export const MAX_LIVE_CODES = 5;
/** Random bytes of a paired viewer key: 32 bytes = 43 base64url characters (plus the prefix). */
const KEY_BYTES = 32;
/**
 * Prefix of a paired viewer key, so a user (or a secret scanner) can tell what it is, and so the
 * API looks a presented token up in the database only when it can be one (a wrong device key on
 * the ingest path costs no query).
 */
export const KEY_PREFIX = 'cspv_';

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** "1234-5678" for display; the digest is always taken of the 8 digits alone. */
export const formatCode = (digits: string) => `${digits.slice(0, 4)}-${digits.slice(4)}`;

/**
 * The 8 digits of a typed code, accepting the usual ways people type it ("1234-5678",
 * "1234 5678", "12345678"); null when it cannot be a code (wrong length, letters).
 */
export function normalizeCode(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{8}$/.test(digits) ? digits : null;
}

/**
 * A new code for `deviceId`, valid `ttlSeconds`. A collision with another live code (1 in 10^8
 * per live code) draws again; a used or expired code's row with the same digits is replaced.
 */
export async function createPairingCode(db: Queryable, deviceId: string, ttlSeconds: number): Promise<{ code: string; expiresAt: string }> {
  // Housekeeping, so codes nobody redeemed do not pile up (a day's grace keeps recent ones for inspection).
  await db.query(`DELETE FROM pairing_codes WHERE expires_at < now() - interval '1 day'`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const digits = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
    const r = await db.query<{ expires_at: Date | string }>(
      `INSERT INTO pairing_codes (code_hash, device_id, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (code_hash) DO UPDATE SET device_id = EXCLUDED.device_id, created_at = now(), expires_at = EXCLUDED.expires_at, used_at = NULL
         WHERE pairing_codes.used_at IS NOT NULL OR pairing_codes.expires_at <= now()
       RETURNING expires_at`,
      [sha256(digits), deviceId, ttlSeconds],
    );
    if (!r.rows.length) continue;
    await db.query(
      `DELETE FROM pairing_codes WHERE device_id = $1 AND used_at IS NULL AND expires_at > now() AND code_hash NOT IN (
         SELECT code_hash FROM pairing_codes WHERE device_id = $1 AND used_at IS NULL AND expires_at > now()
         ORDER BY created_at DESC, code_hash = $2 DESC LIMIT $3)`,
      [deviceId, sha256(digits), MAX_LIVE_CODES],
    );
    return { code: formatCode(digits), expiresAt: new Date(r.rows[0].expires_at).toISOString() };
  }
  throw new Error('could not draw an unused pairing code in 5 attempts');
}

/**
 * Redeems a code (its 8 digits): once, before it expires. Returns the new viewer key and its
 * device, or null when the code is unknown, expired or already used (the caller must not say which).
 */
export async function redeemPairingCode(db: Db, digits: string): Promise<{ viewerKey: string; deviceId: string } | null> {
  return db.transaction(async (tx) => {
    const used = await tx.query<{ device_id: string }>(
      `UPDATE pairing_codes SET used_at = now()
       WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING device_id`,
      [sha256(digits)],
    );
    if (!used.rows.length) return null;
    const viewerKey = KEY_PREFIX + randomBytes(KEY_BYTES).toString('base64url');
    await tx.query('INSERT INTO paired_viewer_keys (key_hash, device_id) VALUES ($1, $2)', [sha256(viewerKey), used.rows[0].device_id]);
    return { viewerKey, deviceId: used.rows[0].device_id };
  });
}

/** The device a paired viewer key was issued for, or null (unknown or revoked); by the key's digest. */
export async function pairedViewerDevice(db: Queryable, keyDigest: string): Promise<string | null> {
  const r = await db.query<{ device_id: string }>('SELECT device_id FROM paired_viewer_keys WHERE key_hash = $1', [keyDigest]);
  return r.rows[0]?.device_id ?? null;
}

/** Revokes every paired viewer key of a device; returns how many there were. */
export async function revokePairedViewers(db: Queryable, deviceId: string): Promise<number> {
  const r = await db.query('DELETE FROM paired_viewer_keys WHERE device_id = $1', [deviceId]);
  return r.rowCount;
}

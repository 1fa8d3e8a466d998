import { createHash, timingSafeEqual } from 'node:crypto';

/** Device id of an admin key: may read every device's sessions (cannot post as "*"). */
export const ADMIN_DEVICE = '*';

export interface Principal {
  deviceId: string;
  admin: boolean;
  /** Set for a read-only caregiver (viewer) key: the household's devices; deviceId is then "". */
  viewerOf?: string[];
  /** SHA-256 of a viewer key issued by pairing (not configured): it can be revoked while in use. */
  pairedKeyDigest?: string;
}

/** Looks up a token the configured keys do not know (paired viewer keys, in the database). */
export type KeyLookup = (token: string) => Promise<Principal | null>;

/**
 * Per-device bearer tokens configured on the server (token -> device id). Tokens are
 * compared by SHA-256 digest in constant time so timing does not leak a valid prefix.
 */
export class ApiKeys {
  private readonly byDigest = new Map<string, Principal>();

  constructor(keys: Record<string, string>, viewerKeys: Record<string, string[]> = {}) {
    for (const [token, deviceId] of Object.entries(keys)) {
      if (token.length < 16) throw new Error(`API key for device "${deviceId}" is shorter than 16 characters`);
      this.byDigest.set(digest(token), { deviceId, admin: deviceId === ADMIN_DEVICE });
    }
    for (const [token, devices] of Object.entries(viewerKeys)) {
      if (token.length < 16) throw new Error(`viewer key for devices "${devices.join('+')}" is shorter than 16 characters`);
      if (!Array.isArray(devices) || !devices.length || devices.some((d) => typeof d !== 'string' || !d || d === ADMIN_DEVICE)) {
        throw new Error('a viewer key must name one or more device ids (not "*")');
      }
      // One token, one meaning: a token that were both would make a read-only key able to post.
      if (this.byDigest.has(digest(token))) throw new Error(`a viewer key is also configured as a device key (devices "${devices.join('+')}")`);
      this.byDigest.set(digest(token), { deviceId: '', admin: false, viewerOf: [...devices] });
    }
  }

  get size() {
    return this.byDigest.size;
  }

  /** Resolves an Authorization header ("Bearer <token>") or X-API-Key value; null if unknown. */
  authenticate(token: string): Principal | null {
    const d = digest(token);
    for (const [known, principal] of this.byDigest) {
      if (timingSafeEqual(Buffer.from(known, 'hex'), Buffer.from(d, 'hex'))) return principal;
    }
    return null;
  }

  /** The token of a device (only used to hand the demo page its generated local key). */
  static tokenFor(keys: Record<string, string>, deviceId: string): string | undefined {
    return Object.entries(keys).find(([, d]) => d === deviceId)?.[0];
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/** Extracts the presented token, or null when none was presented. */
export function presentedToken(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.trim()) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : '';
  }
  const key = headers['x-api-key'];
  return typeof key === 'string' && key ? key : null;
}

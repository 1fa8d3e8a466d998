/**
 * Loopback checks for the demo key hand-out. The socket address alone is not enough: a
 * foreign page whose DNS name is re-bound to 127.0.0.1 (DNS rebinding) connects from loopback
 * too, but its requests carry ITS name in Host (and its origin in Origin). So the name the
 * client used must be a loopback name as well.
 */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackAddress(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

/** A Host header value ("name" or "name:port") naming this machine's loopback interface. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(host.trim().toLowerCase());
  return Boolean(m && LOOPBACK_NAMES.has(m[1]));
}

/** An Origin header value ("scheme://host[:port]") served from a loopback name. */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_NAMES.has(url.hostname.toLowerCase());
  } catch {
    return false;
  }
}

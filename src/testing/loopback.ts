/**
 * What counts as "this machine" for the conveniences that run a worker of their own (`startMemoryTestStack`,
 * and in dev/ the demo and the all-in-one console): they must never be pointed at a deployment, where their
 * worker would take production tasks and run them against a local store and a fake model.
 */

/** Whether a host name or address is loopback (localhost, 127.0.0.0/8, ::1; IPv6 may be bracketed). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** The host of `host:port` (Temporal's address form; IPv6 in brackets). */
export function hostOfAddress(address: string): string {
  const trimmed = address.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed);
  if (bracketed) return bracketed[1] as string;
  const colon = trimmed.lastIndexOf(':');
  return colon === -1 ? trimmed : trimmed.slice(0, colon);
}

/** The host of an endpoint URL (a scheme-less `host:port` is read as http), or undefined when it is not one. */
export function hostOfEndpoint(endpoint: string): string | undefined {
  try {
    return new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`).hostname;
  } catch {
    return undefined;
  }
}

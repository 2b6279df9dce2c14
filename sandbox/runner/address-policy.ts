/**
 * Which addresses sandboxed `fetch` may connect to. Only public unicast addresses, unless the
 * operator allows private networks or names a host. Checked on the address actually connected to
 * (after DNS resolution), for every hop of a redirect chain.
 */
import ipaddr from 'ipaddr.js';

import type { CompiledFetchPolicy } from './wire.js';

export interface AddressVerdict {
  allowed: boolean;
  /** ipaddr.js range name: `unicast` (public), `loopback`, `private`, `linkLocal`, ... */
  range: string;
  /** The address, normalised (IPv4-mapped IPv6 as IPv4). */
  address: string;
}

/** Range of an IP address literal (IPv6 without brackets); IPv4-mapped IPv6 counts as its IPv4. */
export function classifyAddress(address: string): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/%.*$/, ''));
  } catch {
    return { allowed: false, range: 'invalid', address };
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  return { allowed: range === 'unicast', range, address: parsed.toString() };
}

/** True when `text` is an IP address literal (not a name to resolve). */
export function isIpLiteral(text: string): boolean {
  return ipaddr.isValid(text) && (text.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(text));
}

interface HostEntry {
  host: string;
  port?: number;
}

function parseEntry(entry: string): HostEntry {
  const text = entry.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed !== null) {
    const host = bracketed[1] as string;
    return bracketed[2] === undefined ? { host } : { host, port: Number(bracketed[2]) };
  }
  const hostPort = /^([^:]+):(\d+)$/.exec(text);
  if (hostPort !== null) return { host: hostPort[1] as string, port: Number(hostPort[2]) };
  return { host: text };
}

/** The operator's allowance for non-public addresses. */
export class AddressPolicy {
  private readonly entries: HostEntry[];

  constructor(
    private readonly policy: Pick<CompiledFetchPolicy, 'allowPrivateNetwork' | 'allowedPrivateHosts'>,
  ) {
    this.entries = policy.allowedPrivateHosts.map(parseEntry);
  }

  /**
   * May the request for `hostname:port` connect to `address`? Allowed when the address is public,
   * when private networks are allowed, or when an allowed host names the URL's host or the
   * resolved address (with the port, when the entry gives one).
   */
  check(hostname: string, port: number, address: string): AddressVerdict {
    const verdict = classifyAddress(address);
    if (verdict.allowed || this.policy.allowPrivateNetwork) return { ...verdict, allowed: true };
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const listed = this.entries.some(
      (entry) =>
        (entry.host === host || entry.host === verdict.address || entry.host === address) &&
        (entry.port === undefined || entry.port === port),
    );
    return { ...verdict, allowed: listed };
  }
}

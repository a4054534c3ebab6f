import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

// SSRF: the feed fetcher connects only to ordinary public addresses, and only to the address it
// checked (the connection's lookup is pinned to it, so DNS cannot answer differently in between).

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolve: ResolveHost = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** The only IPv6 space with public hosts; everything outside it is special, reserved or embeds IPv4. */
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Public unicast only: private, loopback, link-local, multicast, unspecified, carrier-grade NAT,
 * documentation, benchmarking, unique-local and every other special range are refused. IPv6 forms
 * that carry an IPv4 address (IPv4-compatible `::a.b.c.d`, IPv4-translated, NAT64, 6to4, Teredo)
 * are refused too, except IPv4-mapped ones, which are judged as the IPv4 address they map. IPv6 is
 * an allowlist (2000::/3, then ipaddr.js's special ranges inside it): a range ipaddr.js does not
 * name, such as IPv4-compatible `::7f00:1`, would otherwise count as "unicast".
 */
export function isPublicAddress(address: string): boolean {
  const canonical = canonicalIPv6(address) ?? address;
  if (!ipaddr.isValid(canonical)) return false;
  const ip = ipaddr.process(canonical);
  if (ip.kind() === 'ipv6' && !ip.match(GLOBAL_UNICAST)) return false;
  return ip.range() === 'unicast';
}

/**
 * An IPv6 literal as the connection will read it (`::1.2.3.4` is `::102:304`, IPv4-compatible;
 * ipaddr.js would read it as IPv4-mapped `::ffff:1.2.3.4`); a zone id or garbage → '' (refused).
 */
function canonicalIPv6(address: string): string | null {
  if (!net.isIPv6(address)) return null;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return '';
  }
}

export class AddressRefused extends Error {
  constructor(readonly address: string) {
    super(`refused address ${address}`);
  }
}

/**
 * The address to connect to for `hostname` (a URL's hostname, IPv6 without brackets): an IP
 * literal as it is, a name through `resolve`. Every address the name resolves to must be allowed,
 * not just the first, so a name cannot mix a public and a private answer.
 */
export async function checkedAddress(
  hostname: string,
  opts: { allows: (address: string) => boolean; resolve: ResolveHost },
): Promise<ResolvedAddress> {
  const literal = net.isIP(hostname);
  const candidates = literal ? [{ address: hostname, family: literal as 4 | 6 }] : await opts.resolve(hostname);
  if (!candidates.length) throw new Error(`no address for ${hostname}`);
  const refused = candidates.find((c) => !opts.allows(c.address));
  if (refused) throw new AddressRefused(refused.address);
  return candidates[0];
}

/** A `lookup` for http(s).request that answers only the address already checked. */
export function pinnedLookup(pinned: ResolvedAddress): net.LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
}

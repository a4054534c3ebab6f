import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

// SSRF: the feed fetcher connects only to ordinary public addresses, and only to the address it
// checked (the connection's lookup is pinned to it, so DNS cannot answer differently in between).

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolve: ResolveHost = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/**
 * Public unicast only: private, loopback, link-local, multicast, unspecified, carrier-grade NAT,
 * documentation, benchmarking, unique-local and every other special range are refused. IPv6 forms
 * that carry an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) are refused too, except
 * IPv4-mapped ones, which are judged as the IPv4 address they map.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
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
export async function checkedAddress(hostname: string, opts: { allows: (address: string) => boolean; resolve: ResolveHost }): Promise<ResolvedAddress> {
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

import dns from 'node:dns';
import { VellumError, forbiddenAddressReason, parseCidr, parseIp, cidrContains, type Cidr } from '@vellum/core';

/** Host names that lead to a cloud's metadata service whatever they resolve to. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

/** A name that has not resolved by then is refused when a target is given (the request must not hang on DNS). */
const RESOLVE_TIMEOUT_MS = 5_000;

const HOST_NAME = /^(?=.{1,253}\.?$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (the seam tests use to play DNS rebinding). */
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolveHost: ResolveHost = async (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** Why a webhook host or address is refused; `message` says how to allow it. */
export class WebhookAddressRefused extends Error {
  override readonly name = 'WebhookAddressRefused';
  readonly code = 'EVELLUMREFUSED';
}

/**
 * The SSRF guard of webhook targets: a webhook may not reach loopback, private, link-local, carrier-grade NAT,
 * multicast or cloud-metadata addresses (IPv4, IPv6 and IPv4 inside IPv6), unless `delivery.webhookAllow` lists
 * the host name or a CIDR holding the address. It runs twice: when a target is given (the literal address or what
 * the name resolves to then), and on every connection (the agent's DNS lookup), so a name that resolved to a public
 * address when checked and to a private one when sent to (DNS rebinding) is refused.
 */
export class WebhookAddressGuard {
  private readonly hosts = new Set<string>();
  private readonly cidrs: Cidr[] = [];

  constructor(allow: readonly string[], private readonly resolveHost: ResolveHost = systemResolveHost) {
    const bad: string[] = [];
    for (const entry of allow) {
      const text = entry.trim();
      if (text === '') continue;
      const unbracketed = text.replace(/^\[([^\]]*)\]/, '$1');
      if (/^[\d.]+(\/\d+)?$/.test(unbracketed) || unbracketed.includes(':')) {
        const cidr = parseCidr(unbracketed);
        if (cidr === null) bad.push(text);
        else this.cidrs.push(cidr);
      } else if (HOST_NAME.test(text)) {
        this.hosts.add(normalHost(text));
      } else {
        bad.push(text);
      }
    }
    if (bad.length > 0) {
      throw new VellumError('INVALID_CONFIG', {
        message: 'delivery.webhookAllow (VELLUM_WEBHOOK_ALLOW) holds entries that are neither host names nor CIDRs.',
        details: bad.map((b) => ({ path: 'delivery.webhookAllow', message: `"${b.slice(0, 64)}" is not a host name, an IP address or a CIDR such as 10.0.0.0/8` })),
      });
    }
  }

  /** True when the allow-list names this host (a name or a literal address written as such). */
  hostAllowed(hostname: string): boolean {
    return this.hosts.has(normalHost(hostname));
  }

  /** Why this address may not be reached (null: it may), the allow-list applied. */
  addressProblem(address: string, hostname: string): string | null {
    const ip = parseIp(address);
    if (ip === null) return `"${address.slice(0, 64)}" is not an IP address`;
    if (this.cidrs.some((c) => cidrContains(c, ip))) return null;
    const why = forbiddenAddressReason(ip);
    if (why === null) return null;
    if (normalHost(hostname) === normalHost(address)) {
      return `${address} is ${why}; webhooks may not reach it unless delivery.webhookAllow (VELLUM_WEBHOOK_ALLOW) lists it`;
    }
    // The address itself is not told: a tenant must not learn what internal names resolve to by trying them.
    return `${hostname} resolves to ${why}; webhooks may not reach it unless delivery.webhookAllow (VELLUM_WEBHOOK_ALLOW) lists the host or its address`;
  }

  /**
   * Checks a URL's host now (parse time): a literal address directly, a name through DNS. Null when it may be
   * reached, else the reason. A name that does not resolve is refused too (a typo is better caught now).
   */
  async checkHost(hostname: string): Promise<string | null> {
    const host = normalHost(hostname);
    if (this.hostAllowed(host)) return null;
    if (METADATA_HOSTS.has(host)) return `${host} is a cloud metadata host; webhooks may not reach it unless delivery.webhookAllow (VELLUM_WEBHOOK_ALLOW) lists it`;
    if (parseIp(host) !== null) return this.addressProblem(host, host);
    let addresses: ResolvedAddress[];
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('DNS timeout'), { code: 'timed out' })), RESOLVE_TIMEOUT_MS);
      });
      addresses = await Promise.race([this.resolveHost(host), late]);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      return `${host} could not be resolved (${typeof code === 'string' ? code.slice(0, 32) : 'DNS error'})`;
    } finally {
      clearTimeout(timer);
    }
    if (addresses.length === 0) return `${host} could not be resolved (no addresses)`;
    for (const a of addresses) {
      const problem = this.addressProblem(a.address, host);
      if (problem !== null) return problem;
    }
    return null;
  }

  /**
   * A `lookup` for net/tls.connect that refuses forbidden addresses at connect time. Every address the name has
   * must pass, not only the one picked: the connection may try any of them.
   */
  readonly lookup = (hostname: string, options: dns.LookupOptions | number, callback: (...args: unknown[]) => void): void => {
    const all = typeof options === 'object' && options.all === true;
    const host = normalHost(hostname);
    const done = async (): Promise<ResolvedAddress[]> => {
      if (METADATA_HOSTS.has(host) && !this.hostAllowed(host)) throw new WebhookAddressRefused(`${host} is a cloud metadata host`);
      const addresses = await this.resolveHost(host);
      if (addresses.length === 0) throw Object.assign(new Error(`${host} has no addresses`), { code: 'ENOTFOUND' });
      if (this.hostAllowed(host)) return addresses;
      for (const a of addresses) {
        const problem = this.addressProblem(a.address, host);
        if (problem !== null) throw new WebhookAddressRefused(problem);
      }
      return addresses;
    };
    done().then(
      (addresses) => {
        const family = typeof options === 'number' ? options : options.family;
        const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        const list = wanted.length > 0 ? wanted : addresses;
        if (all) callback(null, list);
        else callback(null, list[0]!.address, list[0]!.family);
      },
      (e: unknown) => callback(e),
    );
  };
}

/** Lowercase, no brackets around IPv6, no trailing dot. */
export function normalHost(hostname: string): string {
  let h = hostname.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/**
 * IP addresses and CIDR ranges as plain data, for the webhook address guard (SSRF). Written here rather than taken
 * from a library so the rules are small, pure and tested: every address is 16 bytes, IPv4 as IPv4-mapped IPv6
 * (`::ffff:a.b.c.d`), so one range check serves both families.
 */

/** 16 bytes; an IPv4 address is stored mapped (`::ffff:a.b.c.d`). */
export type IpBytes = Uint8Array;

export interface Cidr {
  /** The network address (host bits cleared). */
  bytes: IpBytes;
  /** Prefix length over the 16-byte form (an IPv4 /8 is 96 + 8 = 104). */
  prefix: number;
  /** As written (for messages). */
  text: string;
}

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseIpv4Into(text: string, out: Uint8Array, offset: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    // Leading zeros are refused: `010.0.0.1` is octal to some resolvers and decimal to others.
    if (!V4_PART.test(part)) return false;
    out[offset + i] = Number(part);
  }
  return true;
}

/** An IPv4 (dotted quad) or IPv6 address (with `::`, an embedded IPv4 tail, brackets or a `%zone` allowed); null when not one. */
export function parseIp(input: string): IpBytes | null {
  let text = input;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const out = new Uint8Array(16);
  if (!text.includes(':')) {
    out[10] = 0xff;
    out[11] = 0xff;
    return parseIpv4Into(text, out, 12) ? out : null;
  }
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  if (text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string): string[] | null => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const words: number[] = [];
  const all = [...head, ...tail];
  let v4Tail: Uint8Array | null = null;
  // An embedded IPv4 address may only be the very last group.
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (halves.length === 2 && tail.length === 0) return null;
    v4Tail = new Uint8Array(4);
    if (!parseIpv4Into(last, v4Tail, 0)) return null;
    if (tail.length > 0) tail.pop();
    else head.pop();
  }
  const maxWords = v4Tail === null ? 8 : 6;
  for (const g of [...head, ...tail]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
  }
  const given = head.length + tail.length;
  if (halves.length === 1 ? given !== maxWords : given > maxWords - 1) return null;
  for (const g of head) words.push(parseInt(g, 16));
  for (let i = given; i < maxWords; i++) words.push(0);
  for (const g of tail) words.push(parseInt(g, 16));
  for (let i = 0; i < maxWords; i++) {
    out[2 * i] = words[i]! >> 8;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  if (v4Tail !== null) out.set(v4Tail, 12);
  return out;
}

/** True for an IPv4 address (stored as `::ffff:a.b.c.d`). */
export function isIpv4(ip: IpBytes): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** The address as text: dotted quad for IPv4, otherwise full lowercase hex groups (no `::` compression). */
export function formatIp(ip: IpBytes): string {
  if (isIpv4(ip)) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((ip[i]! << 8) | ip[i + 1]!).toString(16));
  return words.join(':');
}

/** `10.0.0.0/8`, `fc00::/7`, or a bare address (a /32 or /128); null when not one. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(addressText);
  if (ip === null) return null;
  // The prefix counts bits of the address as written: `::ffff:10.0.0.0/104` is the IPv6 spelling of 10.0.0.0/8.
  const v4 = !addressText.includes(':');
  const max = v4 ? 32 : 128;
  let length = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return null;
    length = Number(p);
  }
  const prefix = v4 ? 96 + length : length;
  return { bytes: maskTo(ip, prefix), prefix, text };
}

function maskTo(ip: IpBytes, prefix: number): IpBytes {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = ip[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

export function cidrContains(cidr: Cidr, ip: IpBytes): boolean {
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (ip[i] !== cidr.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip[full]! & mask) === cidr.bytes[full];
}

const range = (text: string, why: string): { cidr: Cidr; why: string } => ({ cidr: parseCidr(text)!, why });

/**
 * Addresses a webhook may not reach unless allowed: they lead into the server's own host or network, or to a
 * cloud's metadata service. Specific entries (metadata) come before the broad ranges that contain them, so the
 * reason names the most telling one.
 */
const FORBIDDEN: readonly { cidr: Cidr; why: string }[] = [
  range('169.254.169.254/32', 'a cloud metadata address'),
  range('fd00:ec2::254/128', 'a cloud metadata address'),
  range('0.0.0.0/8', 'an unspecified ("this network") address'),
  range('10.0.0.0/8', 'a private (RFC 1918) address'),
  range('100.64.0.0/10', 'a carrier-grade NAT (RFC 6598) address'),
  range('127.0.0.0/8', 'a loopback address'),
  range('169.254.0.0/16', 'a link-local address'),
  range('172.16.0.0/12', 'a private (RFC 1918) address'),
  range('192.168.0.0/16', 'a private (RFC 1918) address'),
  range('224.0.0.0/4', 'a multicast address'),
  range('240.0.0.0/4', 'a reserved address'),
  range('::/128', 'the unspecified address'),
  range('::1/128', 'a loopback address'),
  range('fc00::/7', 'a unique-local (private) address'),
  range('fe80::/10', 'a link-local address'),
  range('fec0::/10', 'a site-local (private) address'),
  range('ff00::/8', 'a multicast address'),
];

/**
 * The IPv4 address an IPv6 address carries and that a host may route to as IPv4: IPv4-compatible (`::a.b.c.d`),
 * IPv4-translated (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::`). IPv4-mapped
 * needs no unwrapping (it is our IPv4 form).
 */
function embeddedIpv4(ip: IpBytes): IpBytes | null {
  const v4 = (a: number, b: number, c: number, d: number): IpBytes => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d]);
  let zeros = true;
  for (let i = 0; i < 12; i++) if (ip[i] !== 0) zeros = false;
  // `::` and `::1` themselves are not IPv4-compatible addresses.
  if (zeros && (ip[12]! | ip[13]! | ip[14]!) !== 0) return v4(ip[12]!, ip[13]!, ip[14]!, ip[15]!);
  const nat64 = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
  const translated = [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0];
  if (nat64.every((b, i) => ip[i] === b) || translated.every((b, i) => ip[i] === b)) return v4(ip[12]!, ip[13]!, ip[14]!, ip[15]!);
  if (ip[0] === 0x20 && ip[1] === 0x02) return v4(ip[2]!, ip[3]!, ip[4]!, ip[5]!);
  return null;
}

/** Why a webhook may not reach this address (e.g. "a loopback address"), or null when it is a public one. */
export function forbiddenAddressReason(ip: IpBytes): string | null {
  for (const { cidr, why } of FORBIDDEN) if (cidrContains(cidr, ip)) return why;
  const inner = embeddedIpv4(ip);
  if (inner !== null) {
    const why = forbiddenAddressReason(inner);
    if (why !== null) return `${why} (inside an IPv6 address)`;
  }
  return null;
}

import { describe, expect, it } from 'vitest';
import { cidrContains, forbiddenAddressReason, formatIp, parseCidr, parseIp } from '../../src/delivery/cidr.ts';

const ip = (text: string) => {
  const parsed = parseIp(text);
  if (parsed === null) throw new Error(`not an address: ${text}`);
  return parsed;
};

describe('parseIp', () => {
  it('reads IPv4 dotted quads and stores them IPv4-mapped', () => {
    expect(formatIp(ip('192.168.1.100'))).toBe('192.168.1.100');
    expect(formatIp(ip('::ffff:127.0.0.1'))).toBe('127.0.0.1');
    expect(formatIp(ip('::ffff:7f00:1'))).toBe('127.0.0.1');
  });

  it('reads IPv6 with ::, brackets, zones and an embedded IPv4 tail', () => {
    expect(formatIp(ip('::1'))).toBe('0:0:0:0:0:0:0:1');
    expect(formatIp(ip('[fe80::1%eth0]'))).toBe('fe80:0:0:0:0:0:0:1');
    expect(formatIp(ip('2001:db8::8a2e:370:7334'))).toBe('2001:db8:0:0:0:8a2e:370:7334');
    expect(formatIp(ip('::'))).toBe('0:0:0:0:0:0:0:0');
    expect(formatIp(ip('1:2:3:4:5:6:7:8'))).toBe('1:2:3:4:5:6:7:8');
    expect(formatIp(ip('64:ff9b::10.0.0.1'))).toBe('64:ff9b:0:0:0:0:a00:1');
  });

  it('refuses what is not an address, including octal-looking and overlong forms', () => {
    for (const bad of ['', 'localhost', '1.2.3', '1.2.3.4.5', '256.0.0.1', '010.0.0.1', '1.2.3.-1', ':::', '1::2::3', ':1', '1:2:3:4:5:6:7:8:9',
      '1::2:3:4:5:6:7:8', 'g::1', '12345::', '1.2.3.4::', '::1.2.3', '0x7f.0.0.1', '2130706433']) {
      expect(parseIp(bad), bad).toBeNull();
    }
  });
});

describe('parseCidr and cidrContains', () => {
  it('matches IPv4 ranges by prefix', () => {
    const net = parseCidr('10.0.0.0/8')!;
    expect(cidrContains(net, ip('10.255.3.4'))).toBe(true);
    expect(cidrContains(net, ip('11.0.0.1'))).toBe(false);
    const odd = parseCidr('100.64.0.0/10')!;
    expect(cidrContains(odd, ip('100.127.255.255'))).toBe(true);
    expect(cidrContains(odd, ip('100.128.0.0'))).toBe(false);
  });

  it('clears host bits and treats a bare address as a single host', () => {
    expect(cidrContains(parseCidr('192.168.1.77/24')!, ip('192.168.1.1'))).toBe(true);
    const one = parseCidr('127.0.0.1')!;
    expect(cidrContains(one, ip('127.0.0.1'))).toBe(true);
    expect(cidrContains(one, ip('127.0.0.2'))).toBe(false);
  });

  it('matches IPv6 ranges, and an IPv4 range never matches a plain IPv6 address', () => {
    expect(cidrContains(parseCidr('fc00::/7')!, ip('fd12:3456::1'))).toBe(true);
    expect(cidrContains(parseCidr('fc00::/7')!, ip('fe00::1'))).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, ip('2001:db8::1'))).toBe(false);
    expect(cidrContains(parseCidr('::/0')!, ip('1.2.3.4'))).toBe(true);
  });

  it('counts the prefix in bits of the address as written', () => {
    const mapped = parseCidr('::ffff:10.0.0.0/104')!;
    expect(cidrContains(mapped, ip('10.2.3.4'))).toBe(true);
    expect(cidrContains(mapped, ip('11.0.0.1'))).toBe(false);
    expect(parseCidr('::ffff:10.0.0.0/8')!.prefix).toBe(8);
  });

  it('refuses malformed ranges', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/a', '::/129', 'x/8', '10.0.0.0/08/1']) expect(parseCidr(bad), bad).toBeNull();
  });
});

describe('forbiddenAddressReason', () => {
  it('names why loopback, private, link-local, CGNAT, unspecified, multicast and metadata addresses are refused', () => {
    expect(forbiddenAddressReason(ip('127.0.0.1'))).toMatch(/loopback/);
    expect(forbiddenAddressReason(ip('10.1.2.3'))).toMatch(/private/);
    expect(forbiddenAddressReason(ip('172.31.0.1'))).toMatch(/private/);
    expect(forbiddenAddressReason(ip('192.168.0.1'))).toMatch(/private/);
    expect(forbiddenAddressReason(ip('169.254.169.254'))).toMatch(/metadata/);
    expect(forbiddenAddressReason(ip('169.254.1.1'))).toMatch(/link-local/);
    expect(forbiddenAddressReason(ip('100.64.0.1'))).toMatch(/carrier-grade/);
    expect(forbiddenAddressReason(ip('0.0.0.0'))).toMatch(/unspecified/);
    expect(forbiddenAddressReason(ip('224.0.0.1'))).toMatch(/multicast/);
    expect(forbiddenAddressReason(ip('::1'))).toMatch(/loopback/);
    expect(forbiddenAddressReason(ip('::'))).toMatch(/unspecified/);
    expect(forbiddenAddressReason(ip('fd00:ec2::254'))).toMatch(/metadata/);
    expect(forbiddenAddressReason(ip('fd00::1'))).toMatch(/private/);
    expect(forbiddenAddressReason(ip('fe80::1'))).toMatch(/link-local/);
    expect(forbiddenAddressReason(ip('ff02::1'))).toMatch(/multicast/);
  });

  it('sees through IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms', () => {
    expect(forbiddenAddressReason(ip('::ffff:127.0.0.1'))).toMatch(/loopback/);
    expect(forbiddenAddressReason(ip('::ffff:a9fe:a9fe'))).toMatch(/metadata/);
    expect(forbiddenAddressReason(ip('::127.0.0.1'))).toMatch(/loopback.*inside an IPv6/);
    expect(forbiddenAddressReason(ip('64:ff9b::10.0.0.1'))).toMatch(/private.*inside an IPv6/);
    expect(forbiddenAddressReason(ip('2002:7f00:1::'))).toMatch(/loopback.*inside an IPv6/);
    expect(forbiddenAddressReason(ip('::ffff:0:127.0.0.1'))).toMatch(/loopback.*inside an IPv6/);
    expect(forbiddenAddressReason(ip('fec0::1'))).toMatch(/site-local/);
  });

  it('lets public addresses through', () => {
    for (const ok of ['8.8.8.8', '1.1.1.1', '100.63.255.255', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '64:ff9b::8.8.8.8']) {
      expect(forbiddenAddressReason(ip(ok)), ok).toBeNull();
    }
  });
});

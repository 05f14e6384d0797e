import { describe, expect, it } from 'vitest';
import { CanaryMint, foreignTenantFields, LeakDetector, parseCsv, requestText } from './foreignData.ts';

describe('the leak scan of the isolation matrix', () => {
  it('mints canaries that are unique and found in either spelling', () => {
    const mint = new CanaryMint();
    const [a, b, lower] = [mint.next(), mint.next(), mint.nextLower()];
    expect(new Set([a, b, lower.toUpperCase().replaceAll('_', '-')]).size).toBe(3);
    const detector = new LeakDetector();
    expect(detector.leaks(`{"type":"${lower}.updated","actor":"${a}"}`, '')).toEqual([a, lower].sort());
  });

  it('does not count what the request carried itself, URL-encoded or not', () => {
    const detector = new LeakDetector();
    detector.addSecrets('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
    const sent = requestText({ method: 'GET', url: '/v1/streams/GLOBEX-CANARY-001%3Astream/events?x=0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' });
    expect(detector.leaks('{"stream":"GLOBEX-CANARY-001:stream","id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}', sent)).toEqual([]);
    expect(detector.leaks('{"stream":"GLOBEX-CANARY-001:stream","name":"GLOBEX-CANARY-002"}', sent)).toEqual(['GLOBEX-CANARY-002']);
  });

  it('finds registered secrets verbatim', () => {
    const detector = new LeakDetector();
    detector.addSecrets('vk_AbCd', '', 'globex');
    expect(detector.secretCount).toBe(2);
    expect(detector.leaks('{"prefix":"vk_AbCd","tenant":"globex"}', '')).toEqual(['globex', 'vk_AbCd']);
    expect(detector.anyForeign('{"prefix":"vk_Other"}', '')).toBe(false);
  });

  it('reads the tenant of every JSON object, NDJSON line and CSV row', () => {
    expect(foreignTenantFields('application/json; charset=utf-8', '{"events":[{"tenant":"acme"},{"tenant":"globex","data":{"keyTenant":"x"}}]}', 'acme')).toEqual(['globex', 'x']);
    expect(foreignTenantFields('application/x-ndjson', '{"tenant":"acme"}\n{"tenant":"globex"}\n', 'acme')).toEqual(['globex']);
    expect(foreignTenantFields('text/csv; charset=utf-8', 'id,tenant,note\r\n1,acme,"a, ""b"""\r\n2,globex,"line\r\nbreak"\r\n', 'acme')).toEqual(['globex']);
    expect(foreignTenantFields('text/plain', 'tenant globex', 'acme')).toEqual([]);
  });

  it('parses quoted CSV cells with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('a,b\r\n"1,2","say ""hi""\r\nthere"\r\n')).toEqual([['a', 'b'], ['1,2', 'say "hi"\r\nthere']]);
  });
});

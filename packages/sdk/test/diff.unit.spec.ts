import { describe, expect, it } from 'vitest';
import { diff } from '../src/index.ts';

describe('diff', () => {
  it('lists changed top-level fields with old and new, leaving equal ones out', () => {
    expect(diff({ hours_before: 24, name: 'A', same: [1, 2] }, { hours_before: 48, name: 'A', same: [1, 2] }))
      .toEqual([{ field: 'hours_before', old: 24, new: 48 }]);
  });

  it('names nested fields by their dotted path and compares arrays whole', () => {
    expect(diff({ address: { city: 'Porto', zip: '4000' }, tags: ['a'] }, { address: { city: 'Lisboa', zip: '4000' }, tags: ['a', 'b'] }))
      .toEqual([{ field: 'address.city', old: 'Porto', new: 'Lisboa' }, { field: 'tags', old: ['a'], new: ['a', 'b'] }]);
  });

  it('reports an added field with only new and a removed one with only old', () => {
    expect(diff({ a: 1 }, { b: 2 })).toEqual([{ field: 'a', old: 1 }, { field: 'b', new: 2 }]);
  });

  it('treats an object replaced by a scalar as one change of the whole field', () => {
    expect(diff({ limit: { daily: 5 } }, { limit: null })).toEqual([{ field: 'limit', old: { daily: 5 }, new: null }]);
  });

  it('masks values of sensitive fields, at any depth, with the default partial strategy', () => {
    expect(diff({ api_key: 'sk_live_1234567890', creds: { password: 'hunter22', user: 'a' } }, { api_key: 'sk_live_0987654321', creds: { password: 'x', user: 'b' } }))
      .toEqual([
        { field: 'api_key', old: '••••••••7890', new: '••••••••4321' },
        { field: 'creds.password', old: '••••••••er22', new: '[REDACTED]' },
        { field: 'creds.user', old: 'a', new: 'b' },
      ]);
  });

  it('masks whole object values under a sensitive key', () => {
    const [change] = diff({ token: 'aaaaaaaaaaaa' }, { token: { value: 'bbbbbbbbbbbb' } });
    expect(JSON.stringify(change)).not.toContain('bbbbbbbbbbbb');
    expect(JSON.stringify(change)).not.toContain('aaaaaaaaaaaa');
  });

  it('applies custom masking rules', () => {
    expect(diff({ iban: 'PT50000201231234567890154' }, { iban: 'PT50000201231234567890155' }, { masking: { rules: [{ key: 'iban', strategy: 'redact' }] } }))
      .toEqual([{ field: 'iban', old: '[REDACTED]', new: '[REDACTED]' }]);
  });

  it('keeps only the fields asked for, and those under them', () => {
    const before = { status: 'active', limits: { daily: 1, monthly: 10 }, note: 'x' };
    const after = { status: 'disabled', limits: { daily: 2, monthly: 20 }, note: 'y' };
    expect(diff(before, after, { only: ['status', 'limits.daily'] }).map((c) => c.field)).toEqual(['status', 'limits.daily']);
    expect(diff(before, after, { only: ['limits'] }).map((c) => c.field)).toEqual(['limits.daily', 'limits.monthly']);
  });

  it('leaves out ignored fields and those under them', () => {
    const before = { status: 'a', updated_at: 1, meta: { v: 1, w: 1 } };
    const after = { status: 'b', updated_at: 2, meta: { v: 2, w: 2 } };
    expect(diff(before, after, { ignore: ['updated_at', 'meta.v'] }).map((c) => c.field)).toEqual(['status', 'meta.w']);
  });

  it('compares dates by their JSON form and sends them as ISO strings', () => {
    const d = '2026-01-01T00:00:00.000Z';
    expect(diff({ at: new Date(d) }, { at: new Date(d) })).toEqual([]);
    expect(diff({ at: new Date(d) }, { at: new Date('2026-01-02T00:00:00.000Z') })).toEqual([{ field: 'at', old: d, new: '2026-01-02T00:00:00.000Z' }]);
  });

  it('treats a missing before (a creation) and a missing after (a deletion) as all fields added or removed', () => {
    expect(diff(undefined, { a: 1 })).toEqual([{ field: 'a', new: 1 }]);
    expect(diff({ a: 1 }, null)).toEqual([{ field: 'a', old: 1 }]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseRetentionPolicy } from '../../src/retention/parseRetentionPolicy.ts';
import { pruneCut, retentionCutoff } from '../../src/retention/pruneCut.ts';

describe('pruneCut', () => {
  const base = { firstKept: 1001, checkpointSize: 1000, head: 1000, prunedThrough: 0 };

  it('cuts at the last old event, rounded down to a multiple of 16', () => {
    expect(pruneCut({ ...base, firstKept: 100 })).toBe(96);
    expect(pruneCut({ ...base, firstKept: 97 })).toBe(96);
    expect(pruneCut({ ...base, firstKept: 96 })).toBe(80);
  });

  it('never cuts beyond the latest signed checkpoint', () => {
    expect(pruneCut({ ...base, checkpointSize: 40 })).toBe(32);
    expect(pruneCut({ ...base, checkpointSize: 0 })).toBeNull();
  });

  it('always keeps the head event, so positions are never reused', () => {
    expect(pruneCut({ firstKept: 33, checkpointSize: 32, head: 32, prunedThrough: 0 })).toBe(16);
    expect(pruneCut({ firstKept: 17, checkpointSize: 16, head: 16, prunedThrough: 0 })).toBeNull();
  });

  it('prunes nothing when the cut is not beyond the last prune', () => {
    expect(pruneCut({ ...base, firstKept: 100, prunedThrough: 96 })).toBeNull();
    expect(pruneCut({ ...base, firstKept: 120, prunedThrough: 96 })).toBe(112);
    expect(pruneCut({ ...base, firstKept: 10 })).toBeNull();
  });

  it('puts the cutoff keepDays before now', () => {
    expect(retentionCutoff(Date.parse('2026-12-04T00:00:00.000Z'), 400)).toBe('2025-10-30T00:00:00.000Z');
  });
});

describe('parseRetentionPolicy', () => {
  it('accepts keepDays with and without archive', () => {
    expect(parseRetentionPolicy({ keepDays: 400 })).toStrictEqual({ policy: { keepDays: 400, archive: false }, details: [] });
    expect(parseRetentionPolicy({ keepDays: 1, archive: true })).toStrictEqual({ policy: { keepDays: 1, archive: true }, details: [] });
    expect(parseRetentionPolicy({ keepDays: 36500 }).policy).not.toBeNull();
  });

  it('lists every problem at its pointer', () => {
    expect(parseRetentionPolicy({ keepDays: 0, archive: 'yes', keep: 3, 'a/b': 1 }).details).toStrictEqual([
      { path: '/keep', message: 'is not a field of a retention policy (keepDays, archive)' },
      { path: '/a~1b', message: 'is not a field of a retention policy (keepDays, archive)' },
      { path: '/keepDays', message: 'must be a whole number of days from 1 to 36500' },
      { path: '/archive', message: 'must be true or false' },
    ]);
    for (const keepDays of ['400', 1.5, -1, 36501, null]) {
      expect(parseRetentionPolicy({ keepDays }).details.map((d) => d.path)).toStrictEqual(['/keepDays']);
    }
    expect(parseRetentionPolicy({}).details).toStrictEqual([{ path: '/keepDays', message: 'is required: how many days to keep events after they were recorded' }]);
    expect(parseRetentionPolicy([]).details).toStrictEqual([{ path: '', message: 'must be a JSON object { keepDays, archive? }' }]);
    expect(parseRetentionPolicy(null).details).toHaveLength(1);
  });
});

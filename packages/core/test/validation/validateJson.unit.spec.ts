import { describe, it, expect } from 'vitest';
import { validateJson } from '../../src/validation/validateJsonValue.ts';

describe('validateJson', () => {
  it('accepts plain JSON of every type', () => {
    expect(validateJson({ a: [1, 'two', true, null, { b: {} }] })).toEqual([]);
    expect(validateJson('text\twith tab')).toEqual([]);
  });

  it('reports every problem under the given path', () => {
    expect(validateJson({ a: [NaN, 'x\u0001'], ['k\ud800']: 1 }, '/filter').map((d) => d.path)).toEqual([
      '/filter/a/0', '/filter/a/1', '/filter/k\ud800',
    ]);
  });

  it('refuses nesting deeper than 32 levels without walking further', () => {
    let v: unknown = 1;
    for (let i = 0; i < 50_000; i++) v = [v];
    expect(validateJson(v)).toHaveLength(1);
  });

  it('does not throw on a proxy that throws', () => {
    const hostile = new Proxy({}, { ownKeys() { throw new Error('boom'); } });
    expect(validateJson(hostile)).toEqual([{ path: '', message: 'could not be read as plain JSON' }]);
  });
});

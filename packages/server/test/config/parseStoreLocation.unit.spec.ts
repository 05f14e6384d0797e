import { describe, expect, it } from 'vitest';
import { parseStoreLocation } from '../../src/store/parseStoreLocation.ts';

describe('parseStoreLocation', () => {
  it('reads SQLite locations, prefixed or bare', () => {
    expect(parseStoreLocation('sqlite:./data/vellum.db')).toEqual({ kind: 'sqlite', path: './data/vellum.db' });
    expect(parseStoreLocation('sqlite:///var/lib/vellum.db')).toEqual({ kind: 'sqlite', path: '/var/lib/vellum.db' });
    expect(parseStoreLocation('/tmp/v.db')).toEqual({ kind: 'sqlite', path: '/tmp/v.db' });
  });

  it('reads PostgreSQL URLs in both spellings', () => {
    expect(parseStoreLocation('postgres://u@h/db')).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(parseStoreLocation('postgresql://u:p@h:5433/db')).toMatchObject({ kind: 'postgres' });
  });

  it('reads the in-memory store', () => {
    expect(parseStoreLocation('memory:')).toEqual({ kind: 'memory' });
  });

  it('refuses empty locations, unknown schemes and a bare sqlite:', () => {
    for (const bad of ['', '  ', 'mysql://h/db', 'sqlite:', 'postgres://']) expect(parseStoreLocation(bad)).toHaveProperty('error');
  });
});

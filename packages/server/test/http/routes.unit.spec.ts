import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/buildApp.ts';
import { createMemoryStore } from '../../src/store/createMemoryStore.ts';
import { makeTestApp, testConfig, type TestApp } from '../support/testApp.ts';
import pino from 'pino';

const PUBLIC_OPS_ROUTES = ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json'];

describe('route protection', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('gives every route a required scope, except the public operations routes', () => {
    const routes = [...t.app.routeScopes].filter(([name]) => !name.startsWith('HEAD '));
    expect(routes.length).toBeGreaterThan(PUBLIC_OPS_ROUTES.length);
    for (const [name, scope] of routes) {
      if (PUBLIC_OPS_ROUTES.includes(name)) expect(scope, name).toBe('public');
      else expect(scope, `${name} must declare a scope`).not.toBe('public');
    }
  });

  it('documents every route it protects in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const [name] of t.app.routeScopes) {
      const [method, url] = name.split(' ') as [string, string];
      if (method === 'HEAD') continue;
      const path = url.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[method.toLowerCase()], `${name} is missing from /openapi.json`).toBeDefined();
    }
  });

  it('refuses to start when a route declares no scope', async () => {
    const app = await buildApp({ config: testConfig(), store: createMemoryStore(), logger: pino({ level: 'silent' }), announce: () => {} });
    expect(() => app.get('/v1/unprotected', async () => 'oops')).toThrow(/declares no valid scope/);
    await app.close();
  });
});

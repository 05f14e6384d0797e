/**
 * Real services for integration tests (DESIGN.md, "Real services on the machines"). A test asks for a
 * service; when it is unreachable the test is skipped with the reason, except under CI=true, where an
 * unreachable service fails the run: CI must never pass by skipping.
 */
import net from 'node:net';

export const PG_URL = process.env.VELLUM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.VELLUM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const NATS_URL = process.env.VELLUM_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

const inCI = process.env.CI === 'true';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves to the service URL, or to null (test should skip) when it is down outside CI.
 * Use with top-level await: `const pg = await service('postgres'); describe.skipIf(!pg)(...)`.
 */
export async function service(name: 'postgres' | 'redis' | 'nats'): Promise<string | null> {
  const [url, port] = name === 'postgres' ? [PG_URL, 5432] : name === 'redis' ? [REDIS_URL, 6379] : [NATS_URL, 4222];
  if (await reachable(url, port)) return url;
  const reason = `${name} is not reachable at ${url}`;
  if (inCI) throw new Error(`${reason}; under CI=true a missing service is a failure, not a skip`);
  console.warn(`skipping ${name} tests: ${reason}`);
  return null;
}

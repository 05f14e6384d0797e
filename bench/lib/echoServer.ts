/**
 * A stand-in for `vellum serve` that stores nothing: it parses each POST /v1/events body and answers 201
 * with one result per event, and answers reads with an empty page. Benches run against it with `--echo`
 * to test the harness itself, and its figure is the ceiling the load generator can drive on this machine.
 *   node --import tsx bench/lib/echoServer.ts --port 0
 */
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
let position = 0;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === 'POST' && req.url === '/v1/events') {
      let body: { events?: unknown[] } | null = null;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events?: unknown[] }; } catch { /* answered below */ }
      if (!body) return send(400, { error: { code: 'VALIDATION_FAILED', message: 'body is not JSON' } });
      const n = Array.isArray(body.events) ? body.events.length : 1;
      const events = Array.from({ length: n }, () => {
        position += 1;
        return { id: `echo-${position}`, position, stream: 'echo', streamVersion: position, hash: '0'.repeat(64) };
      });
      return send(201, { events });
    }
    if (req.method === 'GET' && req.url?.startsWith('/v1/streams/')) return send(200, { stream: 'echo', version: 0, events: [] });
    if (req.method === 'GET' && req.url?.startsWith('/v1/events')) return send(200, { events: [], nextCursor: null });
    return send(404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
  });
});

server.listen(Number(values.port), values.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  console.log(`vellum listening on http://${values.host}:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

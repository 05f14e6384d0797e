import pino from 'pino';
import type { Logger, DestinationStream } from 'pino';
import type { LogLevel } from '../config/VellumConfig.ts';

/**
 * Header paths never written to a log, whatever the level. Fastify's default request serializer logs no
 * headers at all; this is the second lock on the door, for any code that logs a request's headers.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'authorization',
  '["x-api-key"]',
  'apiKey',
  'key',
];

/** The service logger: JSON lines to stdout (or a given stream, which tests use to read every line). */
export function createLogger(options: { level: LogLevel; stream?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      // Bodies are never logged: serializers keep to method, path and status. Query values are left out too
      // (a search by actorId or an email is personal data); only the parameter names are kept.
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => {
          const [path, query] = (req.url ?? '').split('?', 2);
          const names = query === undefined ? [] : [...new Set(new URLSearchParams(query).keys())];
          return { method: req.method, url: path, ...(names.length > 0 ? { queryParams: names } : {}), id: req.id };
        },
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    },
    options.stream ?? pino.destination({ fd: 1, sync: false }),
  );
}

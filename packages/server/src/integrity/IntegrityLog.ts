/** The logger calls the integrity workers make (pino's signature), so tests can pass a recorder. */
export interface IntegrityLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * How a part of the SQLite store that has a statement group of its own (subscriptions, retention) reaches the
 * database: reads run on the main connection, writes as calls on the writer thread (writerCalls.ts), so a write
 * never stalls the event loop waiting for the append commit's lock.
 */
export type MethodArgs<F> = F extends (...args: infer A) => unknown ? A : never;
export type MethodResult<F> = F extends (...args: never[]) => infer R ? R : never;

export interface SqliteHalf<S> {
  /** Runs synchronous read work with the main connection's statements; driver errors become Vellum errors. */
  read<T>(work: (statements: S) => T): Promise<T>;
  /** Runs `statements[method](...args)` on the writer thread (arguments and result must be structured-cloneable). */
  write<M extends keyof S & string>(method: M, ...args: MethodArgs<S[M]>): Promise<MethodResult<S[M]>>;
}

/**
 * Retention (issue 5): per-tenant policies and pruning that keeps what remains verifiable. The retention work
 * defines this port; until then it is empty so that every store can already carry its (empty) half.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface RetentionStore {}

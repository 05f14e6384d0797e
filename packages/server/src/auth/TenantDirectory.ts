import { VellumError } from '@vellum/core';
import type { AccessStore } from '@vellum/core';

/**
 * Answers "does this tenant exist?" for an admin acting through Vellum-Tenant, with a short cache of the
 * tenants known to exist (tenants are never deleted, so a positive answer cannot go stale).
 */
export class TenantDirectory {
  readonly #store: AccessStore;
  readonly #known = new Set<string>();
  static readonly MAX_CACHED = 100_000;

  constructor(store: AccessStore) {
    this.#store = store;
  }

  async requireExisting(id: string): Promise<void> {
    if (this.#known.has(id)) return;
    if ((await this.#store.getTenant(id)) === null) {
      throw new VellumError('NOT_FOUND', { message: `There is no tenant "${id}". An admin creates it with POST /v1/tenants.` });
    }
    if (this.#known.size >= TenantDirectory.MAX_CACHED) this.#known.clear();
    this.#known.add(id);
  }

  remember(id: string): void {
    this.#known.add(id);
  }
}

import type { ErrorDetail } from '../errors/registry.ts';
import { FIELD_LIMITS } from './fieldLimits.ts';

/**
 * Gathers violations up to a cap and counts the rest, so a body with a million mistakes still gets a
 * short, useful answer: the first problems, then "…and N more problems".
 */
export class DetailCollector {
  private readonly kept: ErrorDetail[] = [];
  private dropped = 0;

  constructor(private readonly max: number = FIELD_LIMITS.detailsPerResponse) {}

  add(path: string, message: string): void {
    if (this.kept.length < this.max) this.kept.push({ path, message });
    else this.dropped++;
  }

  get count(): number {
    return this.kept.length + this.dropped;
  }

  finish(): ErrorDetail[] {
    if (this.dropped === 0) return this.kept;
    return [...this.kept, { path: '', message: `…and ${this.dropped} more problem${this.dropped === 1 ? '' : 's'}` }];
  }
}

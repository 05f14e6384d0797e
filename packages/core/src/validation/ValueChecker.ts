import type { DetailCollector } from './DetailCollector.ts';
import { jsonPointer } from './jsonPointer.ts';

/**
 * The state of one event's validation: where we are (a stack of path segments, turned into a JSON pointer
 * only when something is reported, so valid input builds no strings), how many problems it had, and an
 * upper bound of its JSON size, so that most events never need to be serialised just to be measured.
 */
export class ValueChecker {
  readonly path: (string | number)[] = [];
  /** Upper bound of the UTF-8 bytes of JSON.stringify(event); exact only where it matters (see validateAppendRequest). */
  bytes = 0;
  problems = 0;

  constructor(
    private readonly out: DetailCollector,
    /** The pointer of the value being checked (`/events/3`, or `` for a single event). */
    readonly base: string,
  ) {}

  /** Reports a problem at the current path. */
  report(message: string): void {
    this.problems++;
    this.out.add(jsonPointer(this.base, this.path), message);
  }

  /** Reports a problem one segment below the current path. */
  reportAt(segment: string | number, message: string): void {
    this.path.push(segment);
    this.report(message);
    this.path.pop();
  }
}

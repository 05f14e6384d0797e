import { scanString } from '@vellum/core';

/** C1 control characters: a terminal may act on them (U+009B is a one-byte CSI) when a name is printed. */
const C1_CONTROL = /[\u0080-\u009f]/;

/**
 * A human-given name (key or tenant label) that is safe to store and print: 1..max characters, not blank, and
 * none of what the core refuses in identifiers (C0 controls, DEL, lone surrogates — scanString) nor C1 controls.
 */
export function isLabel(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= max && scanString(value) === 0 && !C1_CONTROL.test(value);
}

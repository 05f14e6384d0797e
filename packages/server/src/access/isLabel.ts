/** C0 and C1 control characters and DEL: a terminal may act on them when a name is printed. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A human-given name (key or tenant label) that is safe to store and print: 1..max characters, no control
 * characters, and well-formed UTF-16 (a lone surrogate cannot be stored as UTF-8 by PostgreSQL).
 */
export function isLabel(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= max && !CONTROL.test(value) && value.isWellFormed();
}

/** C0 and C1 control characters and DEL: a terminal may act on them when a name is printed. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Half of a surrogate pair without its other half: no UTF-8 form, so PostgreSQL cannot store it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A human-given name (key or tenant label) that is safe to store and print: 1..max characters, no control characters. */
export function isLabel(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= max && !CONTROL.test(value) && !LONE_SURROGATE.test(value);
}

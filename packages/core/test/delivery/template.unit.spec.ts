import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/event/types.ts';
import { isConstantTemplate, parseTemplate, renderTemplate, TEMPLATE_MAX_CHARS, type Template } from '../../src/delivery/template.ts';

const event: StoredEvent = {
  id: '0193a0b0-0000-7000-8000-000000000001', tenant: 'acme', position: 7, stream: 'PolicyConfiguration:123', streamVersion: 3,
  type: 'configuration.updated', severity: 'info', actor: { type: 'user', id: '5' },
  entity: { type: 'PolicyConfiguration', id: '123' },
  data: { company_id: 123, region: 'eu', flag: true, nested: { deep: 'x' }, list: ['a', 'b'], nothing: null },
  context: { ip: '192.168.1.100' },
  occurredAt: '2026-11-22T10:00:00.000Z', recordedAt: '2026-11-22T10:00:00.010Z', hash: 'ab',
};

const template = (source: string): Template => {
  const parsed = parseTemplate(source);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.template;
};

describe('parseTemplate', () => {
  it('splits literal text and placeholders', () => {
    expect(template('audit.{tenant}.{type}').parts).toEqual(['audit.', { path: ['tenant'] }, '.', { path: ['type'] }]);
    expect(isConstantTemplate(template('plain'))).toBe(true);
    expect(isConstantTemplate(template('x:{data.a}'))).toBe(false);
  });

  it('reads {{ and }} as literal braces', () => {
    expect(template('{{user:{actor.id}}}:profile').parts).toEqual(['{user:', { path: ['actor', 'id'] }, '}:profile']);
  });

  it('lists every problem with its position', () => {
    const parsed = parseTemplate('a.{}.{nope}.{actor}.{data.a b}.{type.x}.{entity.colour}}.{unclosed');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      expect.stringMatching(/^at character 3: an empty placeholder/),
      expect.stringMatching(/^at character 6: \{nope\} names no event field/),
      expect.stringMatching(/^at character 13: \{actor\} is an object or list/),
      expect.stringMatching(/^at character 21: \{data.a b\} is not a dotted path/),
      expect.stringMatching(/^at character 32: \{type.x\}: type has no fields below it/),
      expect.stringMatching(/^at character 41: \{entity.colour\}: entity has the fields type, id, name/),
      expect.stringMatching(/^at character 56: a lone "\}"/),
      expect.stringMatching(/^at character 58: "\{" is not closed/),
    ]);
  });

  it('refuses a template longer than the limit', () => {
    const parsed = parseTemplate('x'.repeat(TEMPLATE_MAX_CHARS + 1));
    expect(parsed).toEqual({ ok: false, problems: [`is longer than ${TEMPLATE_MAX_CHARS} characters`] });
    expect(parseTemplate('x'.repeat(TEMPLATE_MAX_CHARS)).ok).toBe(true);
  });

  it('refuses prototype-ish names at the top', () => {
    expect(parseTemplate('{__proto__.x}').ok).toBe(false);
    expect(parseTemplate('{constructor}').ok).toBe(false);
  });
});

describe('renderTemplate', () => {
  it('fills in strings, numbers and booleans from the event', () => {
    expect(renderTemplate(template('config:company:{data.company_id}'), event)).toBe('config:company:123');
    expect(renderTemplate(template('{tenant}/{position}/{data.flag}/{entity.id}/{context.ip}'), event)).toBe('acme/7/true/123/192.168.1.100');
    expect(renderTemplate(template('{data.nested.deep}-{data.list.1}'), event)).toBe('x-b');
  });

  it('renders nothing when a field is absent, an object, a list or null', () => {
    for (const source of ['k:{data.missing}', 'k:{data.nested}', 'k:{data.list}', 'k:{data.nothing}', 'k:{action}', 'k:{data.list.9}', 'k:{data.list.x}']) {
      expect(renderTemplate(template(source), event), source).toBeNull();
    }
  });

  it('passes each value through the escape function, not the literal text', () => {
    expect(renderTemplate(template('a.{type}'), event, (v) => v.replace(/\./g, '_'))).toBe('a.configuration_updated');
  });

  it('does not read inherited properties', () => {
    expect(renderTemplate(template('{data.toString}'), event)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { VellumError } from '@vellum/core';
import { toVellumError } from '../../src/http/toVellumError.ts';

const fastifyError = (code: string, statusCode: number) => Object.assign(new Error(`fastify says ${code}`), { code, statusCode });

describe('toVellumError', () => {
  it('keeps our own errors as they are', () => {
    const e = new VellumError('NOT_FOUND');
    expect(toVellumError(e)).toBe(e);
  });

  it("maps Fastify's body errors to our codes", () => {
    expect(toVellumError(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(toVellumError(fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400)).code).toBe('MALFORMED_JSON');
    expect(toVellumError(fastifyError('FST_ERR_CTP_EMPTY_JSON_BODY', 400)).code).toBe('MALFORMED_JSON');
    expect(toVellumError(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toVellumError(fastifyError('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400)).details[0]?.path).toBe('/headers/content-length');
  });

  it('does not pass on a foreign error message, which may quote the request', () => {
    const e = toVellumError(fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400));
    expect(e.message).not.toContain('fastify says');
  });

  it('maps other client errors by status and everything else to INTERNAL', () => {
    expect(toVellumError(fastifyError('SOMETHING_NEW', 400)).code).toBe('VALIDATION_FAILED');
    expect(toVellumError(fastifyError('SOMETHING_NEW', 404)).code).toBe('ROUTE_NOT_FOUND');
    expect(toVellumError(new TypeError('x is undefined')).code).toBe('INTERNAL');
    expect(toVellumError('a string').code).toBe('INTERNAL');
    expect(toVellumError(null).code).toBe('INTERNAL');
  });
});

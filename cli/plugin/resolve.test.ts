import { describe, expect, it } from 'vitest';
import { parseTenantRef } from './resolve.ts';

describe('parseTenantRef', () => {
  it.each([
    ['acme', { name: 'acme', tenantId: 'acme' }],
    ['acme.v2', { name: 'acme.v2' }],
    ['tenantpolicy/acme', { name: 'acme' }],
    ['tp/acme', { name: 'acme' }],
    ['tenant/acme', { tenantId: 'acme' }],
  ])('%s → %j', (ref, expected) => {
    expect(parseTenantRef(ref)).toEqual(expected);
  });

  it.each([
    '',
    'Acme',
    'acme corp',
    '../x',
    'tenant/a.b',
    'pods/x',
    'tenantpolicy/',
    'a'.repeat(254),
    'acme\n',
  ])('%j is SLUICE_ARGUMENT_INVALID', (ref) => {
    expect(() => parseTenantRef(ref)).toThrow(expect.objectContaining({ code: 'SLUICE_ARGUMENT_INVALID' }));
  });
});

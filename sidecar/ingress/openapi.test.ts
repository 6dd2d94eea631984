import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../policy/errors.ts';
import { openApiDocument, parseSurfaces } from './openapi.ts';

describe('openApiDocument', () => {
  it('describes every surface, with registry codes and their statuses', () => {
    const doc = openApiDocument() as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/answer',
        '/v1/chat/completions',
        '/v1/messages',
        '/v1/models',
        '/healthz',
        '/openapi.json',
      ]),
    );
    // Each error response lists only codes whose registry status is that response's status.
    for (const route of Object.values(doc.paths))
      for (const op of Object.values(route))
        for (const [status, r] of Object.entries(op.responses)) {
          if (status === '200' || status === '404') continue;
          for (const code of r.description.split(', '))
            expect(ERRORS[code as keyof typeof ERRORS].status).toBe(Number(status));
        }
  });

  it('filters by surface', () => {
    expect(parseSurfaces('egress')).toEqual(['egress']);
    expect(parseSurfaces('nonsense')).toEqual(['ingress', 'egress', 'admin']);
    const egress = openApiDocument(['egress']) as { paths: Record<string, unknown> };
    expect(Object.keys(egress.paths)).toEqual(['/v1/chat/completions', '/v1/messages', '/v1/models']);
  });
});

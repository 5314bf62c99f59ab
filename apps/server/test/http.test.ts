import { describe, expect, it } from 'vitest';
import { useTestServer } from './helpers.js';

describe('HTTP endpoint', () => {
  const server = useTestServer();

  const post = (body: string) =>
    fetch(server.client.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('answers malformed JSON with a GraphQL-shaped BAD_REQUEST, not an HTML page', async () => {
    const response = await post('{"query": ');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses bodies over OUTPOST_MAX_REQUEST_BYTES (256 kB) before parsing them', async () => {
    const response = await post(JSON.stringify({ query: `{ me { id } }`, padding: 'x'.repeat(300_000) }));
    expect(response.status).toBe(413);
    const body = (await response.json()) as {
      errors: Array<{ message: string; extensions: { code: string; maxBytes: number } }>;
    };
    expect(body.errors[0]!.message).toContain('256 kB');
    expect(body.errors[0]!.extensions).toEqual({ code: 'REQUEST_TOO_LARGE', maxBytes: 256 * 1024 });
  });

  it('reports health from the database', async () => {
    const response = await fetch(server.client.graphqlUrl.replace('/graphql', '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

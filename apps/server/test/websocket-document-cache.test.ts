import { describe, expect, it } from 'vitest';
import { resultOf, useTestServer } from './helpers.js';

/**
 * graphql-ws remembers which document texts passed validation (agents send the same heartbeat every few
 * seconds). Comments and strings do not count toward the token limit, so a text can be as large as a
 * message (256 kB) while costing almost nothing to parse: bounded by count, 1,000 such texts from
 * anonymous sockets pinned about 256 MB. The bound is in bytes.
 */

describe('the WebSocket validation cache', () => {
  const server = useTestServer();

  it('holds at most its byte bound of document text, however many large texts anonymous sockets send', async () => {
    const cache = server.outpost.http.websocketDocumentCache;
    const client = server.client.subscriptions(); // anonymous
    try {
      const padding = 'x'.repeat(200_000); // a comment: no tokens, well under the 256 kB message limit
      // More text than the bound, in characters (each takes at least a byte).
      const sent = Math.ceil(cache.maxBytes / padding.length) + 5;
      for (let i = 0; i < sent; i++) {
        const answer = await resultOf(client, `{ __typename } # ${i} ${padding}`);
        expect(answer).toEqual({ data: { __typename: 'Query' } });
        expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
      }
      // What an agent sends, small and frequent, is still remembered after the flood.
      const heartbeat = `{ __typename }`;
      await resultOf(client, heartbeat);
      expect(cache.bytes).toBeGreaterThan(0);
      expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    } finally {
      await client.dispose();
    }
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, GraphQLTestClient, SubscriptionRecorder } from '@outpost/testing';
import { readConfig } from '../src/config.js';
import { startOutpost } from '../src/outpost.js';
import { PASSWORD, tokenFor } from './helpers.js';

describe('stopping the server', () => {
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => drop?.());

  it('finishes promptly while subscriptions are open and waiting for events', async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    const outpost = await startOutpost(
      { ...readConfig({}), databaseUrl: database.url, port: 0, host: '127.0.0.1' },
      { skipMigrations: true },
    );
    const client = new GraphQLTestClient(outpost.http.graphqlUrl, outpost.http.websocketUrl);
    await client.data(
      `mutation($p: String!) { setupFirstAdmin(email: "a@example.com", name: "A", password: $p) { id } }`,
      {
        p: PASSWORD,
      },
    );
    const token = await tokenFor(client, 'a@example.com');
    const socket = client.subscriptions({ token });
    const events = new SubscriptionRecorder(socket, `subscription { workspaceProviderEvents { type } }`);
    const workspaces = new SubscriptionRecorder(socket, `subscription { workspaceEvents { type } }`);
    // graphql-ws registers subscriptions asynchronously: poke until the first one has seen an event.
    for (let i = 0; events.events.length === 0; i++) {
      await client.data(
        `mutation($s: String!) { createOrganization(name: $s, slug: $s) { id } }`,
        { s: `marker-${i}` },
        {
          token,
        },
      );
      await events.waitFor((list) => list.length > 0, 300).catch(() => undefined);
      expect(i).toBeLessThan(20);
    }

    const started = Date.now();
    await outpost.stop();
    // Before subscriptions could be returned mid-wait, this hung until the next event (or forever).
    expect(Date.now() - started).toBeLessThan(5_000);
    await events.waitFor(() => events.completed || events.errors.length > 0);
    workspaces.stop();
    await socket.dispose();
  });
});

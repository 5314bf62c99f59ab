import { describe, expect, it } from 'vitest';
import { createWorld, useTestServer } from './helpers.js';

describe('test harness', () => {
  const server = useTestServer();

  it('serves the built-in provider as the default to a signed-in admin', async () => {
    const world = await createWorld(server);
    const data = await server.client.data(
      `{ workspaceProviders(first: 10) { edges { node { name isDefault allowedOrganizations { slug } } } } }`,
      {},
      world.personas.siteAdmin.credentials,
    );
    const builtIn = data.workspaceProviders.edges[0].node;
    expect(builtIn).toMatchObject({ name: 'built-in', isDefault: true });
    expect(builtIn.allowedOrganizations.map((o: { slug: string }) => o.slug).sort()).toEqual(
      [world.org.slug, world.otherOrg.slug].sort(),
    );
  });
});

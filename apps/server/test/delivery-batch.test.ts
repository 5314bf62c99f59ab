import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Viewer } from '../src/graphql/context.js';
import { reloadViewer } from '../src/auth/auth.service.js';
import { DeliveryBatch } from '../src/events/delivery-batch.js';
import { createWorld, useTestServer, type World } from './helpers.js';

/**
 * Event delivery re-reads every subscriber's viewer in one batch (src/events/delivery-batch.ts), with
 * its own SQL. It must decide exactly as reloadViewer does for a single request: these cases are run
 * through both and compared.
 */
describe('re-reading viewers for a delivery', () => {
  const server = useTestServer();
  let world: World;

  beforeAll(async () => {
    world = await createWorld(server);
  });

  it('agrees with reloadViewer for valid, revoked, expired and missing credentials', async () => {
    const db = server.db;
    const hour = 60 * 60 * 1000;
    const member = await db.user.findUniqueOrThrow({ where: { id: world.personas.member.userId! } });
    const admin = await db.user.findUniqueOrThrow({ where: { id: world.personas.siteAdmin.userId! } });
    const doomed = await db.user.create({
      data: { email: `doomed-${randomUUID()}@example.com`, name: 'Doomed', passwordHash: 'x' },
    });
    const token = (userId: string, data: { revokedAt?: Date; expiresAt?: Date } = {}) =>
      db.apiToken.create({ data: { userId, name: 'batch', tokenHash: randomUUID(), ...data } });
    const session = (userId: string, data: { revokedAt?: Date; expiresAt: Date }) =>
      db.session.create({ data: { userId, tokenHash: randomUUID(), ...data } });
    const viewerFor = (userId: string, kind: Viewer['credential']['kind'], id: string): Viewer => ({
      id: userId,
      email: 'stale@example.com',
      name: 'Stale',
      siteRole: 'MEMBER',
      organizationRoles: new Map(),
      credential: { kind, id },
    });

    const cases: Record<string, Viewer> = {
      'member token': viewerFor(member.id, 'apiToken', (await token(member.id)).id),
      'second member token': viewerFor(member.id, 'apiToken', (await token(member.id)).id),
      'admin token, expiring later': viewerFor(
        admin.id,
        'apiToken',
        (await token(admin.id, { expiresAt: new Date(Date.now() + hour) })).id,
      ),
      'revoked token': viewerFor(
        member.id,
        'apiToken',
        (await token(member.id, { revokedAt: new Date() })).id,
      ),
      'expired token': viewerFor(
        member.id,
        'apiToken',
        (await token(member.id, { expiresAt: new Date(Date.now() - 1000) })).id,
      ),
      'unknown token': viewerFor(member.id, 'apiToken', randomUUID()),
      'token of a deleted user': viewerFor(doomed.id, 'apiToken', (await token(doomed.id)).id),
      session: viewerFor(
        member.id,
        'session',
        (await session(member.id, { expiresAt: new Date(Date.now() + hour) })).id,
      ),
      'expired session': viewerFor(
        admin.id,
        'session',
        (await session(admin.id, { expiresAt: new Date(Date.now() - 1000) })).id,
      ),
      'revoked session': viewerFor(
        admin.id,
        'session',
        (await session(admin.id, { expiresAt: new Date(Date.now() + hour), revokedAt: new Date() })).id,
      ),
    };
    await db.user.delete({ where: { id: doomed.id } });

    const batch = new DeliveryBatch(server.kysely);
    const batched = await Promise.all(Object.values(cases).map((viewer) => batch.reloadViewer(viewer)));
    const single = await Promise.all(
      Object.values(cases).map((viewer) => reloadViewer(server.kysely, viewer)),
    );
    const byCase = (results: Array<Viewer | null>) =>
      Object.fromEntries(Object.keys(cases).map((name, i) => [name, results[i]]));
    expect(byCase(batched)).toEqual(byCase(single));

    // Stricter than reloadViewer, as before: a credential must still belong to the viewer it
    // authenticated (it always does: credentials never move).
    const foreign = viewerFor(member.id, 'apiToken', (await token(admin.id)).id);
    expect(await new DeliveryBatch(server.kysely).reloadViewer(foreign)).toBeNull();

    // The cases cover both outcomes, and the re-read viewer is current: the member's organization role.
    const valid = Object.keys(cases).filter((_, i) => batched[i] !== null);
    expect(valid).toEqual(['member token', 'second member token', 'admin token, expiring later', 'session']);
    expect(batched[0]).toMatchObject({
      id: member.id,
      email: member.email,
      siteRole: 'MEMBER',
      organizationRoles: new Map([[world.org.id, 'MEMBER']]),
      credential: cases['member token']!.credential,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { SubscriptionRecorder } from '@outpost/testing';
import { LISTENER_NAME, notify } from '../src/events/notifications.js';
import { createProvider, createWorld, useTestServer } from './helpers.js';

/**
 * NOTIFY is fire-and-forget: what is committed while a replica's LISTEN connection is down never reaches
 * it. The event journal closes that gap; these tests cut the connection the way a network blip or a
 * PostgreSQL restart does (its backend terminated) and commit while it is down.
 */
const server = useTestServer();

type Event = {
  workspaceProviderEvents: { type: string; providerId: string; provider: { cordoned: boolean } | null };
};

describe('events committed while the LISTEN connection is down', () => {
  it('reach subscribers once the replica reconnects, each once and in order', async () => {
    const world = await createWorld(server);
    const admin = world.personas.siteAdmin.credentials;
    const provider = await createProvider(server, admin, 'journal');
    const events = new SubscriptionRecorder<Event>(
      server.client.subscriptions(admin),
      `subscription($id: ID) { workspaceProviderEvents(providerId: $id) { type providerId provider { cordoned } } }`,
      { id: provider.id },
    );
    /**
     * Publishes a RENAMED event (no test here sends another) and waits for it: by then every event
     * published before it has arrived, so a count taken now is final, with no sleep standing in for it.
     */
    const marker = async () => {
      const seen = events.events.length;
      await server.db.$transaction((tx) =>
        notify(tx, { topic: 'provider', type: 'RENAMED', providerId: provider.id }),
      );
      await events.waitFor(
        (all) => all.slice(seen).some((e) => e.workspaceProviderEvents.type === 'RENAMED'),
        10_000,
      );
    };
    // The subscription is live once an event published after it started arrives.
    for (let attempt = 0; events.events.length === 0; attempt++) {
      expect(attempt).toBeLessThan(50);
      const mutation =
        attempt % 2 === 0
          ? 'cordonWorkspaceProvider(id: $id, reason: "warm-up")'
          : 'uncordonWorkspaceProvider(id: $id)';
      await server.client.data(`mutation($id: ID!) { ${mutation} { id } }`, { id: provider.id }, admin);
      await events.waitFor((all) => all.length > 0, 200).catch(() => undefined);
    }
    const warmUpEvents = events.events.length;
    // Warm-up events still on their way arrive before this marker (events reach a subscriber in order).
    await marker();
    const baseline = events.events.length;
    let committedInTheGap = 0;
    let rounds = 0;
    for (let round = 0; round < 5 && committedInTheGap < 2; round++) {
      const before = events.events.length;
      // One transaction ends the listener's backend and commits two notifications through the notify()
      // every mutation uses (a cordon change each; the provider is re-read at delivery, so replayed events
      // show it as it is now: what must hold is that both arrive, once). The listener reconnects no
      // sooner than 100 ms after losing its connection; this commits a few milliseconds after. (Two real
      // mutations sometimes took longer than that under load, and pg_terminate_backend's wait polls in
      // 100 ms steps, so neither is used.)
      await server.db.$transaction(async (tx) => {
        const { terminated } = (
          await tx.$queryRaw<Array<{ terminated: number }>>`
          SELECT count(pg_terminate_backend(pid))::int AS terminated FROM pg_stat_activity
          WHERE application_name = ${LISTENER_NAME} AND datname = current_database()`
        )[0]!;
        expect(terminated).toBe(1);
        for (let i = 0; i < 2; i++)
          await notify(tx, { topic: 'provider', type: 'CORDON_CHANGED', providerId: provider.id });
      });
      const committedAt = (await server.db.$queryRaw<Array<{ now: Date }>>`SELECT now()`)[0]!.now;
      await events.waitFor((all) => all.length >= before + 2, 10_000);
      // Did both commits land before the listener was back? Then only the journal could have delivered them.
      await expect
        .poll(
          async () =>
            (
              await server.db.$queryRaw<Array<{ n: number }>>`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${LISTENER_NAME} AND datname = current_database()`
            )[0]!.n,
        )
        .toBe(1);
      const { reconnectedAt } = (
        await server.db.$queryRaw<Array<{ reconnectedAt: Date }>>`
        SELECT backend_start AS "reconnectedAt" FROM pg_stat_activity
        WHERE application_name = ${LISTENER_NAME} AND datname = current_database()`
      )[0]!;
      if (reconnectedAt > committedAt) committedInTheGap++;
      rounds++;
    }
    expect(committedInTheGap).toBeGreaterThan(0);
    // Nothing twice: exactly the events sent, no replayed duplicates, all of them before a later marker.
    await marker();
    expect(warmUpEvents).toBeGreaterThan(0);
    const sinceBaseline = events.events.slice(baseline).map((e) => e.workspaceProviderEvents.type);
    expect(sinceBaseline).toEqual([...Array<string>(2 * rounds).fill('CORDON_CHANGED'), 'RENAMED']);
    expect(events.errors).toEqual([]);
  });

  it('journals every notification under the id it is delivered with, and nothing else', async () => {
    const before = await server.db.eventJournalEntry.count();
    const world = await createWorld(server);
    await createProvider(server, world.personas.siteAdmin.credentials, 'journal-2');
    const entries = await server.db.eventJournalEntry.findMany({ orderBy: { id: 'asc' }, skip: before });
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry.payload).toHaveProperty('topic');
      expect(entry.payload).not.toHaveProperty('journalId');
    }
  });
});

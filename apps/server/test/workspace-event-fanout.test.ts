import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SubscriptionRecorder } from '@outpost/testing';
import { notify } from '../src/events/notifications.js';
import {
  createWorld,
  setProviderStatus,
  tokenFor,
  useStatementCountingServer,
  type World,
} from './helpers.js';

const WORKSPACE_EVENTS = `subscription {
  workspaceEvents { type workspaceId workspace { id name organizationId desiredState observedPhase } }
}`;

type Event = {
  workspaceEvents: {
    type: string;
    workspaceId: string;
    workspace: { id: string; organizationId: string; observedPhase: string | null } | null;
  };
};

/**
 * A workspace change fans out to every workspace-event subscriber of the process. The credentials and
 * the workspace row are read once per notification for all of them (src/events/delivery-batch.ts), so
 * the statements an event costs do not depend on how many subscribers it reaches; who may see the
 * workspace is still decided per subscriber.
 */
describe('workspace event fan-out', () => {
  const server = useStatementCountingServer();
  let world: World;
  let ours: { id: string; organizationId: string; providerId: string };
  let theirs: { id: string; organizationId: string; providerId: string };
  let recorders: Array<SubscriptionRecorder<Event>> = [];

  beforeAll(async () => {
    world = await createWorld(server);
    await setProviderStatus(server.db, world.builtInId, 'READY', 'test: READY');
    const create = async (as: 'member' | 'otherOrgMember', organizationId: string, name: string) =>
      (
        await server.client.data<{
          createWorkspace: { id: string; organizationId: string; providerId: string };
        }>(
          `mutation($o: ID!, $n: String!) { createWorkspace(organizationId: $o, name: $n) { id organizationId providerId } }`,
          { o: organizationId, n: name },
          world.personas[as].credentials,
        )
      ).createWorkspace;
    ours = await create('member', world.org.id, 'ours');
    theirs = await create('otherOrgMember', world.otherOrg.id, 'theirs');
  });

  afterEach(() => {
    for (const recorder of recorders) recorder.stop();
    recorders = [];
  });

  /** What an agent's report does: a new observed phase and its notification, in one transaction. */
  async function observe(workspace: typeof ours, phase: string) {
    await server.db.$transaction(async (tx) => {
      await tx.workspace.update({ where: { id: workspace.id }, data: { observedPhase: phase } });
      await notify(tx, {
        topic: 'workspace',
        type: 'UPDATED',
        workspaceId: workspace.id,
        organizationId: workspace.organizationId,
        providerId: workspace.providerId,
      });
    });
  }

  const hasPhase = (workspace: typeof ours, phase: string) => (events: Event[]) =>
    events.some(
      (e) =>
        e.workspaceEvents.workspaceId === workspace.id &&
        e.workspaceEvents.workspace?.observedPhase === phase,
    );

  /**
   * Opens `members` subscribers of the member's organization (each its own connection and API token)
   * and one of the other organization, makes one change to the member's workspace and returns the
   * statements the server sent to deliver it.
   */
  async function statementsForOneEvent(members: number, label: string) {
    const tokens = await Promise.all(
      Array.from({ length: members }, () => tokenFor(server.client, world.personas.member.email!)),
    );
    const subscribe = (token: string) => {
      const recorder = new SubscriptionRecorder<Event>(
        server.client.subscriptions({ token }),
        WORKSPACE_EVENTS,
      );
      recorders.push(recorder);
      return recorder;
    };
    const memberRecorders = tokens.map(subscribe);
    const outsider = subscribe(world.personas.otherOrgMember.credentials.token!);
    // graphql-ws subscribes asynchronously: a change every subscriber receives shows that all
    // subscriptions are in place (and each token's first-use write is behind us).
    const warm = (recorder: SubscriptionRecorder<Event>, workspace: typeof ours) =>
      recorder.events.some((e) => e.workspaceEvents.workspaceId === workspace.id);
    const everyoneWarm = () => memberRecorders.every((r) => warm(r, ours)) && warm(outsider, theirs);
    for (let attempt = 0; attempt < 40 && !everyoneWarm(); attempt++) {
      await observe(ours, `warm-${label}-${attempt}`);
      await observe(theirs, `warm-${label}-${attempt}`);
      await Promise.all(
        [...memberRecorders, outsider].map((r) =>
          r
            .waitFor(hasPhase(r === outsider ? theirs : ours, `warm-${label}-${attempt}`), 500)
            .catch(() => []),
        ),
      );
    }
    expect(everyoneWarm()).toBe(true);

    const { statements: counted } = await server.statementsDuring(async () => {
      await observe(ours, `measured-${label}`);
      await Promise.all(memberRecorders.map((r) => r.waitFor(hasPhase(ours, `measured-${label}`), 20_000)));
    });

    // The outsider's subscription sees notifications in order: once a later change of its own
    // organization's workspace has arrived, the measured one was skipped, not still on its way.
    await observe(theirs, `marker-${label}`);
    await outsider.waitFor(hasPhase(theirs, `marker-${label}`), 20_000);
    expect(outsider.events.filter((e) => e.workspaceEvents.workspaceId === ours.id)).toEqual([]);
    for (const recorder of [...memberRecorders, outsider]) expect(recorder.errors).toEqual([]);
    for (const recorder of memberRecorders) {
      expect(recorder.events.find((e) => hasPhase(ours, `measured-${label}`)([e]))?.workspaceEvents).toEqual({
        type: 'UPDATED',
        workspaceId: ours.id,
        workspace: expect.objectContaining({ id: ours.id, organizationId: world.org.id }),
      });
    }
    return counted;
  }

  it('sends the same number of SQL statements per event for 2 subscribers as for 20', async () => {
    const few = await statementsForOneEvent(2, 'few');
    const many = await statementsForOneEvent(20, 'many');
    expect(many.length, `few:\n${few.join('\n')}\n\nmany:\n${many.join('\n')}`).toBe(few.length);
    // The credentials (tokens, then users) and the workspace.
    expect(few.length, few.join('\n')).toBeLessThanOrEqual(4);
  });
});

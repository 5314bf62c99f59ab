import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { REQUIRED_CHECK_NAMES } from '@outpost/agent';
import type { PrismaClient } from '@outpost/prisma';
import type { GraphQLResponse, GraphQLTestClient } from '@outpost/testing';
import { AGENT_PROTOCOL_VERSION, SERVER_VERSION } from '../src/version.js';

/**
 * Agent connections made the way the agent makes them (graphql-ws, credential and agentInstanceId in
 * connectionParams, an agentLease subscription), for the tests of the agent lease and of replicas.
 */

export const PASSING_CHECKS = REQUIRED_CHECK_NAMES.map((name) => ({
  name,
  passed: true,
  message: 'It passes.',
}));
export const REPORT = `mutation($input: AgentStatusInput!) { reportAgentStatus(input: $input) { status lease } }`;
export const report = {
  input: { agentVersion: SERVER_VERSION, protocolVersion: AGENT_PROTOCOL_VERSION, checks: PASSING_CHECKS },
};
export const HEARTBEAT = `mutation { agentHeartbeat { status lease } }`;
const LEASE = `subscription { agentLease { role } }`;

export interface AgentSocket {
  instanceId: string;
  client: Client;
  /** Every role the agentLease subscription delivered, in order. */
  roles: string[];
  nextRole(count: number): Promise<string>;
  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** A provider with a registered agent credential (its status PENDING until a holder reports). */
export async function agentProvider(
  client: GraphQLTestClient,
  admin: { token: string },
): Promise<{ id: string; credential: string }> {
  const { createWorkspaceProvider } = await client.data<any>(
    `mutation($input: CreateWorkspaceProviderInput!) {
      createWorkspaceProvider(input: $input) { provider { id } registrationToken { token } }
    }`,
    {
      input: {
        name: `lease-${randomUUID().slice(0, 8)}`,
        region: 'eu',
        clusterAddress: 'https://lease.k8s.example.com:6443',
        namespace: 'workspaces',
        organizationIds: [],
      },
    },
    admin,
  );
  const { registerAgent } = await client.data<any>(
    `mutation { registerAgent { credential } }`,
    {},
    { token: createWorkspaceProvider.registrationToken.token },
  );
  return { id: createWorkspaceProvider.provider.id, credential: registerAgent.credential };
}

/** Connects as an agent process would and subscribes to agentLease; closeAgentSockets closes it. */
export function connectAgent(
  websocketUrl: string,
  credential: string,
  instanceId: string = randomUUID(),
): AgentSocket {
  const client = createClient({
    url: websocketUrl,
    webSocketImpl: WebSocket,
    connectionParams: { token: credential, agentInstanceId: instanceId },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
  });
  const roles: string[] = [];
  const waiters = new Set<() => void>();
  client.subscribe<{ agentLease: { role: string } }>(
    { query: LEASE },
    {
      next: (value) => {
        if (value.data) roles.push(value.data.agentLease.role);
        for (const wake of waiters) wake();
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  const socket: AgentSocket = {
    instanceId,
    client,
    roles,
    nextRole: (count) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no role #${count}: ${JSON.stringify(roles)}`)),
          10_000,
        );
        const check = () => {
          if (roles.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(roles[count - 1]!);
        };
        waiters.add(check);
        check();
      }),
    request: (query, variables = {}) =>
      new Promise((resolve, reject) => {
        let result: GraphQLResponse = {};
        client.subscribe(
          { query, variables },
          {
            next: (value) => (result = value as GraphQLResponse),
            error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
            complete: () => resolve(result as GraphQLResponse<any>),
          },
        );
      }),
    close: () => client.dispose() as Promise<void>,
  };
  open.push(socket);
  return socket;
}

const open: AgentSocket[] = [];

/** Closes every socket connectAgent opened (tests call it after each case). */
export async function closeAgentSockets(): Promise<void> {
  await Promise.all(open.splice(0).map((socket) => socket.close()));
}

/** The provider's status as stored, and a poll until it is `expected` (the status monitor acts on its own timer). */
export function providerStatus(server: { readonly db: PrismaClient }) {
  // Read when called: the test server's client exists only once its beforeAll ran.
  const status = async (providerId: string) =>
    (await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: providerId } })).status;
  const waitForStatus = async (providerId: string, expected: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while ((await status(providerId)) !== expected) {
      if (Date.now() > deadline) throw new Error(`provider not ${expected} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { status, waitForStatus };
}

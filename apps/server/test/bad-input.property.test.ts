import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, isNonNullType } from 'graphql';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Credentials } from '@outpost/testing';
import type { WorkspaceProvider as ProviderRow } from '@outpost/prisma';
import {
  AGENT_INPUT_LIMITS,
  AGENT_VERSION,
  fitStatusReport,
  isValidMessage,
  isValidVersion,
  REQUIRED_CHECK_NAMES,
  WORKSPACE_PHASES,
} from '@outpost/agent';
import { AGENT_PROTOCOL_VERSION, SUPPORTED_AGENT_PROTOCOL_VERSIONS } from '../src/version.js';
import { createProvider, createWorld, PASSWORD, useTestServer, type World } from './helpers.js';
import { databaseSnapshot, UNKNOWN_ID } from './assertions.js';

/**
 * Rule 8 as a property: whatever a caller sends to any mutation — names, URLs, regions, reasons, ids of
 * missing or foreign objects, unicode, control characters, huge strings, out-of-range numbers — the
 * answer is either a success that leaves valid data behind, or one clear error with a stable code that
 * changed nothing in the database.
 *
 * Runs per mutation: OUTPOST_PROPERTY_RUNS (default 20; the on-demand long suite raises it). A failure
 * prints fast-check's seed and the shrunk input; re-run with OUTPOST_PROPERTY_SEED to reproduce.
 */
const RUNS = Number(process.env.OUTPOST_PROPERTY_RUNS ?? 20);
const SEED = process.env.OUTPOST_PROPERTY_SEED ? Number(process.env.OUTPOST_PROPERTY_SEED) : undefined;
const RESULTS_DIR = fileURLToPath(new URL('../../../.test-results', import.meta.url));
const STABLE_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'RATE_LIMITED',
  'QUERY_LIMIT_EXCEEDED',
  'REQUEST_TOO_LARGE',
];

const server = useTestServer();
let world: World;
let agent: Credentials;
/** The objects every property can aim at, by name; filled in once the world exists. */
const FIXTURES = [
  'eu',
  'us',
  'pending',
  'builtIn',
  'org',
  'otherOrg',
  'workspace',
  'member',
  'otherMember',
] as const;
const ids: Record<string, string> = {};

beforeAll(async () => {
  world = await createWorld(server);
  const admin = world.personas.siteAdmin.credentials;
  const eu = await createProvider(server, admin, 'eu-west', { organizationIds: [world.org.id] });
  const us = await createProvider(server, admin, 'us-east', { organizationIds: [world.otherOrg.id] });
  const pending = await createProvider(server, admin, 'pending-one', { status: 'PENDING' });
  const { createWorkspace } = await server.client.data<{ createWorkspace: { id: string } }>(
    `mutation($o: ID!, $p: ID) { createWorkspace(name: "dev", organizationId: $o, providerId: $p) { id } }`,
    { o: world.org.id, p: eu.id },
    world.personas.member.credentials,
  );
  const { issueProviderRegistrationToken } = await server.client.data<{
    issueProviderRegistrationToken: { token: string };
  }>(
    `mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token } }`,
    { id: eu.id },
    admin,
  );
  const { registerAgent } = await server.client.data<{ registerAgent: { credential: string } }>(
    `mutation { registerAgent { credential } }`,
    {},
    { token: issueProviderRegistrationToken.token },
  );
  agent = { token: registerAgent.credential };
  Object.assign(ids, {
    eu: eu.id,
    us: us.id,
    pending: pending.id,
    builtIn: world.builtInId,
    org: world.org.id,
    otherOrg: world.otherOrg.id,
    workspace: createWorkspace.id,
    member: world.personas.member.userId!,
    otherMember: world.personas.otherOrgMember.userId!,
  });
});

// --- Inputs -------------------------------------------------------------------------------------------

const hostileStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'nul\u0000in the middle',
  '\t\n\r',
  'DROP TABLE users;--',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '\u202eevil',
  '😀'.repeat(120),
  'Ａｂｃ',
  'é'.normalize('NFD'),
  '-leading-dash',
  'UPPER-case',
  'a'.repeat(64),
  'x'.repeat(300_000),
);
/** Any text: random unicode, hostile constants, plausible values, huge strings. */
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 80, unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: hostileStrings },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}[a-z0-9]$/) },
  { weight: 1, arbitrary: fc.string({ minLength: 1_000, maxLength: 20_000 }) },
);
const url = fc.oneof(
  fc.webUrl(),
  text,
  fc.constantFrom(
    'ftp://cluster.example.com',
    'http://',
    'javascript:alert(1)',
    'https://' + 'a'.repeat(3_000),
  ),
);
/** Ids of existing, foreign, missing and malformed objects. */
const id = () =>
  fc.oneof(
    fc.constantFrom(...FIXTURES).map((key) => ids[key]!),
    fc.constant(UNKNOWN_ID),
    fc.uuid(),
    text,
  );
const int = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31 - 1, 2 ** 31, 1e12), fc.double());
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
/** Version strings as clusters and charts write them, and almost. */
const version = fc.oneof(
  fc.stringMatching(/^v?[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}([-+][0-9a-z.]{1,20})?$/),
  fc.constantFrom('v1.30.4-gke.1348000', 'v1.31.1+k3s1', `v1.${'1'.repeat(10_000)}`, 'v1.31 beta'),
);
/** Each of the protocol's checks, passing or failing, with any message. */
const checkResults = REQUIRED_CHECK_NAMES.map((name) => ({ name, passed: true, message: 'fine' }));
const plausibleVersion = fc.stringMatching(/^v?[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}([-+][0-9a-z.]{1,20})?$/);
/** reportAgentStatus's input as a real agent sends it. */
const plausibleReport = fc.record({
  agentVersion: plausibleVersion,
  protocolVersion: fc.constant(AGENT_PROTOCOL_VERSION),
  kubernetesVersion: maybe(plausibleVersion),
  chartVersion: maybe(plausibleVersion),
  nodeSummary: maybe(
    fc.record({
      nodeCount: fc.integer({ min: 0, max: 6_000 }),
      cpuMillicores: maybe(fc.integer({ min: 0, max: 2 ** 31 - 1 })),
      memoryBytes: maybe(fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String)),
    }),
  ),
  checks: fc
    .tuple(
      fc.shuffledSubarray(checkResults, { minLength: 4, maxLength: 4 }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      fc.string({ maxLength: 200 }),
    )
    .map(([checks, passed, message]) =>
      checks.map((check, i) => (passed[i] ? check : { ...check, passed: false, message })),
    ),
});
/** reportAgentStatus's input from a compromised agent. */
const hostileReport = fc.record({
  agentVersion: fc.oneof(version, text),
  protocolVersion: int,
  kubernetesVersion: maybe(fc.oneof(version, text)),
  chartVersion: maybe(fc.oneof(version, text)),
  nodeSummary: maybe(
    fc.record({
      nodeCount: int,
      cpuMillicores: maybe(int),
      memoryBytes: maybe(
        fc.oneof(text, fc.bigInt().map(String), fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String)),
      ),
    }),
  ),
  checks: fc.oneof(
    // Some of the protocol's checks, twice, unknown ones, none, or a thousand.
    fc.array(
      fc.oneof(
        fc.constantFrom(...checkResults),
        fc.record({ name: text, passed: fc.boolean(), message: text }),
      ),
      { maxLength: 6 },
    ),
    fc.constant(Array.from({ length: 1_000 }, (_, i) => ({ name: `check-${i}`, passed: true, message: '' }))),
  ),
});
const REPORT_FIELDS = [
  'agentVersion',
  'protocolVersion',
  'kubernetesVersion',
  'chartVersion',
  'nodeSummary',
  'checks',
] as const;
const callerOf = (...names: Array<keyof World['personas'] | 'agent'>) =>
  fc.constantFrom(...names).map((name) => (name === 'agent' ? agent : world.personas[name].credentials));
const userCaller = callerOf(
  'siteAdmin',
  'siteAdmin',
  'siteAdmin',
  'siteManager',
  'orgAdmin',
  'member',
  'anonymous',
);

// --- Every mutation with arguments, its document and its inputs ----------------------------------------

interface MutationCase {
  document: string;
  variables: fc.Arbitrary<Record<string, unknown>>;
  caller: fc.Arbitrary<Credentials>;
}

const cases: Record<string, MutationCase> = {
  addOrganizationMember: {
    document: `mutation($email: String!, $organizationId: ID!, $role: OrganizationRole!) {
      addOrganizationMember(email: $email, organizationId: $organizationId, role: $role) { role } }`,
    variables: fc.record({
      email: fc.oneof(fc.emailAddress(), text, fc.constantFrom('member-1@example.com')),
      organizationId: id(),
      role: fc.constantFrom('ADMIN', 'MEMBER'),
    }),
    caller: userCaller,
  },
  addOrganizationToProviderAllowlist: {
    document: `mutation($o: ID!, $p: ID!) { addOrganizationToProviderAllowlist(organizationId: $o, providerId: $p) { id } }`,
    variables: fc.record({ o: id(), p: id() }),
    caller: userCaller,
  },
  cordonWorkspaceProvider: {
    document: `mutation($id: ID!, $reason: String!) { cordonWorkspaceProvider(id: $id, reason: $reason) { id } }`,
    variables: fc.record({ id: id(), reason: text }),
    caller: userCaller,
  },
  createApiToken: {
    document: `mutation($name: String!, $days: Int) { createApiToken(name: $name, expiresInDays: $days) { token } }`,
    variables: fc.record({ name: text, days: maybe(int) }),
    caller: userCaller,
  },
  createOrganization: {
    document: `mutation($name: String!, $slug: String!) { createOrganization(name: $name, slug: $slug) { id } }`,
    variables: fc.record({ name: text, slug: text }),
    caller: userCaller,
  },
  createUser: {
    document: `mutation($email: String!, $name: String!, $password: String!, $role: SiteRole!) {
      createUser(email: $email, name: $name, password: $password, siteRole: $role) { id } }`,
    variables: fc.record({
      email: fc.oneof(fc.emailAddress(), text),
      name: text,
      password: fc.oneof(text, fc.constant(PASSWORD)),
      role: fc.constantFrom('ADMIN', 'MANAGER', 'MEMBER'),
    }),
    caller: userCaller,
  },
  createWorkspace: {
    document: `mutation($name: String!, $o: ID!, $p: ID) { createWorkspace(name: $name, organizationId: $o, providerId: $p) { id } }`,
    variables: fc.record({ name: text, o: id(), p: maybe(id()) }),
    caller: userCaller,
  },
  createWorkspaceProvider: {
    document: `mutation($input: CreateWorkspaceProviderInput!) { createWorkspaceProvider(input: $input) { provider { id } } }`,
    variables: fc.record({
      input: fc.record({
        name: text,
        displayName: maybe(text),
        region: text,
        clusterAddress: url,
        namespace: text,
        accessUrl: maybe(url),
        organizationIds: maybe(fc.array(id(), { maxLength: 3 })),
      }),
    }),
    caller: userCaller,
  },
  deleteWorkspace: {
    document: `mutation($id: ID!) { deleteWorkspace(id: $id) { id } }`,
    variables: fc.record({ id: id() }),
    caller: userCaller,
  },
  deleteWorkspaceProvider: {
    document: `mutation($id: ID!) { deleteWorkspaceProvider(id: $id) { id } }`,
    variables: fc.record({ id: id() }),
    caller: userCaller,
  },
  issueProviderRegistrationToken: {
    document: `mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token } }`,
    variables: fc.record({ id: id() }),
    caller: userCaller,
  },
  login: {
    document: `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { user { id } } }`,
    variables: fc.record({
      email: fc.oneof(
        fc.emailAddress(),
        text,
        fc.constant('member').map(() => world.personas.member.email!),
      ),
      password: fc.oneof(text, fc.constant(PASSWORD)),
    }),
    caller: callerOf('anonymous'),
  },
  removeOrganizationFromProviderAllowlist: {
    document: `mutation($o: ID!, $p: ID!) { removeOrganizationFromProviderAllowlist(organizationId: $o, providerId: $p) { id } }`,
    variables: fc.record({ o: id(), p: id() }),
    caller: userCaller,
  },
  removeOrganizationMember: {
    document: `mutation($o: ID!, $u: ID!) { removeOrganizationMember(organizationId: $o, userId: $u) { id } }`,
    variables: fc.record({ o: id(), u: id() }),
    caller: userCaller,
  },
  renameWorkspaceProvider: {
    document: `mutation($id: ID!, $name: String!) { renameWorkspaceProvider(id: $id, name: $name) { id } }`,
    variables: fc.record({ id: id(), name: text }),
    caller: userCaller,
  },
  reportAgentStatus: {
    document: `mutation($input: AgentStatusInput!) { reportAgentStatus(input: $input) { status } }`,
    // A report as a real agent sends it, the same with one field hostile, or hostile throughout.
    variables: fc
      .oneof(
        plausibleReport,
        fc
          .tuple(plausibleReport, hostileReport, fc.constantFrom(...REPORT_FIELDS))
          .map(([plausible, hostile, field]) => ({ ...plausible, [field]: hostile[field] })),
        hostileReport,
      )
      .map((input) => ({ input })),
    caller: callerOf('agent', 'agent', 'agent', 'siteAdmin'),
  },
  reportWorkspaceStatus: {
    document: `mutation($observations: [WorkspaceObservationInput!]!) { reportWorkspaceStatus(observations: $observations) }`,
    variables: fc.record({
      observations: fc.oneof(
        // What the agent sends about its provider's workspace…
        fc.array(
          fc.record({
            workspaceId: fc.constant('workspace').map((k) => ids[k]!),
            phase: fc.constantFrom(...WORKSPACE_PHASES),
            message: maybe(fc.string({ maxLength: 200 })),
          }),
          { maxLength: 1 },
        ),
        // …or anything.
        fc.array(
          fc.record({
            workspaceId: fc.oneof(
              fc.constant('workspace').map((k) => ids[k]!),
              id(),
            ),
            phase: fc.oneof(fc.constantFrom(...WORKSPACE_PHASES), text),
            message: maybe(fc.oneof(text, fc.constant('x'.repeat(2_001)))),
          }),
          { maxLength: 4 },
        ),
        fc
          .constant('many')
          .map(() => Array.from({ length: 501 }, () => ({ workspaceId: ids.workspace!, phase: 'Running' }))),
      ),
    }),
    caller: callerOf('agent', 'agent', 'agent', 'siteAdmin'),
  },
  revokeAgentCredentials: {
    // Only ids of objects that are not our agent's provider: revoking it would end the agent persona.
    document: `mutation($id: ID!) { revokeAgentCredentials(providerId: $id) { id } }`,
    variables: fc.record({
      id: fc.oneof(
        fc.constant(UNKNOWN_ID),
        text,
        fc.constantFrom('us', 'pending', 'org').map((k) => ids[k]!),
      ),
    }),
    caller: userCaller,
  },
  revokeApiToken: {
    document: `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`,
    variables: fc.record({ id: fc.oneof(fc.constant(UNKNOWN_ID), fc.uuid(), text) }),
    caller: userCaller,
  },
  setDefaultWorkspaceProvider: {
    document: `mutation($id: ID!) { setDefaultWorkspaceProvider(id: $id) { id } }`,
    variables: fc.record({ id: id() }),
    caller: userCaller,
  },
  setupFirstAdmin: {
    document: `mutation($email: String!, $name: String!, $password: String!) {
      setupFirstAdmin(email: $email, name: $name, password: $password) { id } }`,
    variables: fc.record({ email: fc.oneof(fc.emailAddress(), text), name: text, password: text }),
    caller: callerOf('anonymous'),
  },
  uncordonWorkspaceProvider: {
    document: `mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { id } }`,
    variables: fc.record({ id: id() }),
    caller: userCaller,
  },
  updateWorkspaceProvider: {
    document: `mutation($id: ID!, $input: UpdateWorkspaceProviderInput!) { updateWorkspaceProvider(id: $id, input: $input) { id } }`,
    variables: fc.record({
      id: id(),
      input: fc.record(
        { accessUrl: maybe(url), displayName: maybe(text), namespace: maybe(text), region: maybe(text) },
        { requiredKeys: [] },
      ),
    }),
    caller: userCaller,
  },
};

/** Mutations without arguments: nothing to fuzz (their callers are covered by the authorization matrix). */
const WITHOUT_ARGUMENTS = ['agentHeartbeat', 'logout', 'registerAgent', 'rotateAgentCredential'];
/**
 * The agent's mutations without arguments still run here with the real agent credential, interleaved
 * with the fuzzed reports above, so that the data they leave (heartbeat times, statuses derived from the
 * stored checks, rotated credentials) is checked by the same invariants.
 */
const argumentlessAgentCases: Record<string, MutationCase> = {
  agentHeartbeat: {
    document: `mutation { agentHeartbeat { status } }`,
    variables: fc.constant({}),
    caller: callerOf('agent'),
  },
  registerAgent: {
    document: `mutation { registerAgent { credential } }`,
    variables: fc.constant({}),
    caller: callerOf('agent'),
  },
  rotateAgentCredential: {
    document: `mutation { rotateAgentCredential { credential } }`,
    variables: fc.constant({}),
    caller: callerOf('agent'),
  },
};

// --- What must hold after every request ---------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const validText = (value: string | null, max: number) =>
  value !== null &&
  value.length >= 1 &&
  value.length <= max &&
  value === value.trim() &&
  !CONTROL.test(value);
const validUrl = (value: string) => {
  try {
    const parsed = new URL(value);
    return ['http:', 'https:'].includes(parsed.protocol) && parsed.hostname !== '' && value.length <= 2048;
  } catch {
    return false;
  }
};

/** What an agent's reports may leave on its provider (apps/agent/PROTOCOL.md "Input limits"). */
function agentReportViolations(p: ProviderRow): string[] {
  const found: string[] = [];
  const summary = p.nodeSummary as {
    nodeCount: unknown;
    cpuMillicores: unknown;
    memoryBytes: unknown;
  } | null;
  const within = (value: unknown, { min, max }: { min: number; max: number }) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
  if (
    summary !== null &&
    (!within(summary.nodeCount, AGENT_INPUT_LIMITS.nodeCount) ||
      (summary.cpuMillicores !== null && !within(summary.cpuMillicores, AGENT_INPUT_LIMITS.cpuMillicores)) ||
      (summary.memoryBytes !== null &&
        !(
          typeof summary.memoryBytes === 'string' &&
          AGENT_INPUT_LIMITS.memoryBytes.pattern.test(summary.memoryBytes)
        )))
  )
    found.push(`nodeSummary ${JSON.stringify(summary).slice(0, 200)} of ${p.name}`);
  const checks = p.checkResults as Array<{ name: string; passed: boolean; message: string }> | null;
  if (checks !== null) {
    const names = checks.map((check) => check.name).sort();
    const speaksProtocol = SUPPORTED_AGENT_PROTOCOL_VERSIONS.includes(p.agentProtocolVersion ?? -1);
    if (speaksProtocol && JSON.stringify(names) !== JSON.stringify([...REQUIRED_CHECK_NAMES].sort()))
      found.push(`checks ${names.join(',').slice(0, 200)} of ${p.name}`);
    if (
      !speaksProtocol &&
      (checks.length > AGENT_INPUT_LIMITS.foreignChecks.max || new Set(names).size !== names.length)
    )
      found.push(`${checks.length} checks of protocol ${p.agentProtocolVersion} on ${p.name}`);
    if (checks.some((check) => !isValidMessage(check.message))) found.push(`a check message of ${p.name}`);
    // READY from a report means the protocol is spoken and every one of its checks passed.
    if (p.status === 'READY' && !(speaksProtocol && checks.every((check) => check.passed)))
      found.push(`${p.name} READY with ${JSON.stringify(checks).slice(0, 200)}`);
  }
  return found;
}

/** Every invariant of the stored data the API promises; returns the violations found. */
async function violations(): Promise<string[]> {
  const found: string[] = [];
  const providers = await server.db.workspaceProvider.findMany();
  if (providers.filter((p) => p.isDefault).length !== 1)
    found.push('rule 2: not exactly one default provider');
  if (providers.filter((p) => p.kind === 'BUILT_IN').length !== 1)
    found.push('rule 1: not exactly one built-in');
  for (const p of providers) {
    if (!DNS_LABEL.test(p.name)) found.push(`provider name ${JSON.stringify(p.name)}`);
    if (!DNS_LABEL.test(p.namespace)) found.push(`provider namespace ${JSON.stringify(p.namespace)}`);
    if (!validText(p.displayName, 100)) found.push(`provider displayName ${JSON.stringify(p.displayName)}`);
    if (!validText(p.region, 100)) found.push(`provider region ${JSON.stringify(p.region)}`);
    if (p.kind !== 'BUILT_IN' && !validUrl(p.clusterAddress))
      found.push(`clusterAddress ${p.clusterAddress}`);
    if (p.accessUrl !== null && !validUrl(p.accessUrl)) found.push(`accessUrl ${p.accessUrl}`);
    if (
      p.cordoned !== (p.cordonReason !== null) ||
      (p.cordonReason !== null && !validText(p.cordonReason, 500))
    )
      found.push(`cordon reason ${JSON.stringify(p.cordonReason)} with cordoned=${p.cordoned}`);
    for (const field of ['agentVersion', 'kubernetesVersion', 'chartVersion'] as const) {
      const value = p[field];
      if (value !== null && !isValidVersion(value))
        found.push(`${field} ${JSON.stringify(value).slice(0, 80)}`);
    }
    found.push(...agentReportViolations(p));
  }
  for (const o of await server.db.organization.findMany()) {
    if (!DNS_LABEL.test(o.slug)) found.push(`organization slug ${JSON.stringify(o.slug)}`);
    if (!validText(o.name, 100)) found.push(`organization name ${JSON.stringify(o.name)}`);
  }
  for (const u of await server.db.user.findMany()) {
    if (u.email !== u.email.toLowerCase() || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(u.email))
      found.push(`email ${u.email}`);
    if (!validText(u.name, 100)) found.push(`user name ${JSON.stringify(u.name)}`);
    if (!u.passwordHash.startsWith('scrypt$')) found.push(`password of ${u.email} not hashed`);
  }
  for (const t of await server.db.apiToken.findMany())
    if (!validText(t.name, 100)) found.push(`token name ${t.name}`);
  for (const w of await server.db.workspace.findMany()) {
    if (!DNS_LABEL.test(w.name)) found.push(`workspace name ${JSON.stringify(w.name)}`);
    if (w.observedPhase !== null && !(WORKSPACE_PHASES as readonly string[]).includes(w.observedPhase))
      found.push(`phase ${JSON.stringify(w.observedPhase)}`);
    if (w.observedMessage !== null && !isValidMessage(w.observedMessage))
      found.push(`observed message of ${w.observedMessage.length} characters`);
  }
  const orphans = await server.db.$queryRaw<Array<{ id: string }>>`
    SELECT w.id::text FROM workspaces w
    LEFT JOIN provider_allowlist_entries a ON a.provider_id = w.provider_id AND a.organization_id = w.organization_id
    WHERE w.desired_state <> 'DELETED' AND a.provider_id IS NULL`;
  if (orphans.length > 0)
    found.push(`rule 4: ${orphans.length} workspaces in providers that do not allowlist their org`);
  return found;
}

describe('what the real agent sends (apps/agent fitStatusReport), property-based', () => {
  it(
    'is accepted whatever its cluster reported, and leaves valid data',
    async () => {
      const observed = fc.record({
        kubernetesVersion: maybe(fc.oneof(version, text)),
        chartVersion: maybe(fc.oneof(version, text)),
        nodeSummary: fc.record({
          nodeCount: fc.oneof(fc.nat(), fc.integer({ min: 0, max: 10_000_000 })),
          cpuMillicores: maybe(fc.oneof(fc.nat(), fc.constant(2 ** 40))),
          memoryBytes: maybe(fc.bigInt({ min: 0n, max: 2n ** 100n }).map(String)),
        }),
        // Cluster checks as the agent has them: some of the protocol's, with Kubernetes' messages.
        checks: fc
          .subarray(
            REQUIRED_CHECK_NAMES.map((name) => ({ name })),
            { minLength: 0 },
          )
          .chain((present) =>
            fc.tuple(
              ...present.map(({ name }) =>
                fc.record({ name: fc.constant(name), passed: fc.boolean(), message: text }),
              ),
            ),
          ),
      });
      await fc.assert(
        fc.asyncProperty(observed, async (cluster) => {
          const input = fitStatusReport({
            agentVersion: AGENT_VERSION,
            protocolVersion: AGENT_PROTOCOL_VERSION,
            ...cluster,
          });
          const response = await server.client.request(
            `mutation($input: AgentStatusInput!) { reportAgentStatus(input: $input) { status } }`,
            { input },
            agent,
          );
          expect(response.errors, JSON.stringify(response.errors)?.slice(0, 300)).toBeUndefined();
          expect(await violations()).toEqual([]);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    },
    Math.max(30_000, RUNS * 500),
  );
});

describe('bad input, property-based (rule 8)', () => {
  it('covers every mutation of the schema that takes arguments', () => {
    const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
    const mutations = schema.getMutationType()!.getFields();
    const withArguments = Object.values(mutations).filter((field) => field.args.length > 0);
    expect(Object.keys(cases).sort()).toEqual(withArguments.map((field) => field.name).sort());
    expect(
      Object.values(mutations)
        .filter((field) => field.args.length === 0)
        .map((field) => field.name)
        .sort(),
    ).toEqual(WITHOUT_ARGUMENTS);
    // Sanity: required arguments are sent by every document.
    for (const field of withArguments)
      for (const arg of field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined))
        expect(cases[field.name]!.document, `${field.name}(${arg.name})`).toContain(`${arg.name}:`);
  });

  // What happened per mutation, written to .test-results/ for the report table in docs/fault-suites.md.
  type Outcome = { ok: number; refused: Record<string, number> };
  const outcomes: Record<string, Outcome> = {};
  afterAll(() => {
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(
      path.join(RESULTS_DIR, 'bad-input-outcomes.json'),
      `${JSON.stringify({ runsPerMutation: RUNS, outcomes }, null, 2)}\n`,
    );
  });
  for (const [name, testCase] of Object.entries({ ...cases, ...argumentlessAgentCases })) {
    it(
      `${name}: succeeds with valid data, or refuses with a stable code and changes nothing`,
      async () => {
        const tally: Outcome = (outcomes[name] = { ok: 0, refused: {} });
        await fc.assert(
          fc.asyncProperty(testCase.variables, testCase.caller, async (variables, caller) => {
            const before = await databaseSnapshot(server.db);
            const response = await server.client.request(testCase.document, variables, caller);
            if (response.errors?.length) {
              // One error, or one per invalid variable when GraphQL's own coercion refuses several at once.
              const codes = new Set<string>();
              for (const error of response.errors) {
                const code = String(error.extensions?.code);
                expect(STABLE_CODES, `${code}: ${error.message.slice(0, 300)}`).toContain(code);
                expect(error.message.length).toBeGreaterThan(20);
                codes.add(code);
              }
              expect(codes.size, JSON.stringify(response.errors).slice(0, 500)).toBe(1);
              const code = [...codes][0]!;
              expect(
                await databaseSnapshot(server.db),
                `${name} refused with ${code} but changed the database`,
              ).toEqual(before);
              tally.refused[code] = (tally.refused[code] ?? 0) + 1;
            } else {
              expect(response.data?.[name], JSON.stringify(response).slice(0, 300)).toBeDefined();
              tally.ok++;
            }
            expect(await violations()).toEqual([]);
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
        // Logins verify a scrypt hash (deliberately slow): allow for that at the long suite's sizes.
      },
      Math.max(30_000, RUNS * 500),
    );
  }
});

import { beforeAll, describe, expect, it } from 'vitest';
import { execute, GraphQLError, specifiedRules, validate, type ExecutionResult } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { compiledExecutor, type HttpOperation } from '../src/graphql/compiled-execution.js';
import { SERVER_VERSION } from '../src/version.js';
import { clientOperations, filledPaths, selectedPaths, type ClientOperation } from './client-operations.js';
import {
  createProvider,
  createWorld,
  PERSONA_NAMES,
  registerAgentFor,
  setProviderStatus,
  useTestServer,
  type World,
} from './helpers.js';

/**
 * graphql-jit stays only behind this test (issue 12). HTTP queries run as code graphql-jit compiles per
 * document (src/graphql/compiled-execution.ts); graphql-js's `execute` is the reference. Every operation
 * the console and the CLI send (collected from their generated documents, test/client-operations.ts)
 * runs, with realistic variables and as every kind of caller, through the server's own executor and
 * through `execute`, over the server's schema and with the context the server builds for that caller,
 * against data seeded so that every selected field returns something. Data and errors (message, path,
 * locations, extensions with the code, the original error) must be identical, key order included: that
 * is the JSON the client receives.
 *
 * Mutations and subscriptions are not compared by running them: the executor hands mutations to
 * graphql-js's `execute` itself, and subscriptions travel over graphql-ws, which never uses graphql-jit.
 * The test requires that every client operation it does not run is one of those.
 */

const server = useTestServer({
  // No provider seeded here may turn ERROR for a silent agent while the engines are compared.
  config: { agents: { heartbeatGraceSeconds: 3600 } },
});

const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const CALLERS = [...PERSONA_NAMES, 'agentOfProvider'] as const;
type CallerName = (typeof CALLERS)[number];
type Variables = Record<string, unknown>;

interface Seed {
  world: World;
  secrets: Record<CallerName, string | undefined>;
  providers: { id: string; name: string }[];
  /** The cursor after the first provider of the list, for a second page. */
  cursor: string;
}

const ALL_PROVIDERS = (seed: Seed) => [...seed.providers.map(({ name }) => ({ name })), { name: 'missing' }];

/** The variables each query is run with, for every caller. A new client query without an entry fails. */
const QUERY_CASES: Record<string, (seed: Seed) => Variables[]> = {
  'console/Session': () => [{}],
  'console/Organizations': () => [{}],
  'console/WorkspaceProviders': (s) => [
    { first: 50 },
    { first: 1 },
    { first: 2, after: s.cursor },
    { first: 0 },
  ],
  'console/ProviderDetails': (s) => [
    ...s.providers.map(({ id }) => ({ id })),
    { id: MISSING_ID },
    { id: 'not-an-id' },
  ],
  'console/AllowlistOrganizations': () => [{}],
  'console/Workspaces': () => [{}],
  'console/CreateWorkspaceOrganizations': () => [{}],
  'console/OrganizationProviders': (s) => [
    { id: s.world.org.id },
    { id: s.world.otherOrg.id },
    { id: MISSING_ID },
  ],
  'cli/Whoami': () => [{}],
  'cli/Organizations': () => [{}],
  'cli/ViewerRole': () => [{}],
  'cli/ProviderAllowlist': ALL_PROVIDERS,
  'cli/ProviderId': ALL_PROVIDERS,
  'cli/Provider': (s) =>
    ALL_PROVIDERS(s).flatMap((v) => [
      { ...v, staff: true },
      { ...v, staff: false },
    ]),
  'cli/Providers': (s) => [{ staff: true }, { staff: false }, { staff: true, after: s.cursor }],
  'cli/Workspaces': (s) => [{}, { organizationId: s.world.org.id }, { organizationId: s.world.otherOrg.id }],
  'cli/OrganizationBySlug': (s) => [
    { slug: s.world.org.slug },
    { slug: s.world.otherOrg.slug },
    { slug: 'missing' },
  ],
};

type Engine = (run: HttpOperation) => Promise<ExecutionResult>;

interface Difference {
  operation: string;
  caller: CallerName;
  variables: Variables;
  reference: string;
  candidate: string;
}

/** What the client receives, as JSON: data, then errors with everything formatting reads from them. */
function response(result: ExecutionResult): string {
  return JSON.stringify({
    data: result.data,
    errors: result.errors?.map((error) => ({
      isGraphQLError: error instanceof GraphQLError,
      ...(error instanceof GraphQLError ? error.toJSON() : { message: (error as Error).message }),
      originalError: error.originalError
        ? `${error.originalError.constructor.name}: ${error.originalError.message}`
        : null,
    })),
  });
}

describe('graphql-jit against graphql-js on every operation the console and the CLI send', () => {
  let seed: Seed;
  let operations: ClientOperation[];
  let referenceEngine: Engine;
  let compiledEngine: Engine;

  beforeAll(async () => {
    operations = await clientOperations();
    const { schema } = server.outpost;
    referenceEngine = ({ document, operationName, variables, context }) =>
      Promise.resolve(
        execute({ schema, document, operationName, variableValues: variables, contextValue: context }),
      );
    compiledEngine = compiledExecutor(schema);
    seed = await seedWorld();
  }, 60_000);

  /** Every query, every caller, every variables: the differences between `candidate` and graphql-js. */
  async function compare(
    candidate: Engine,
    only?: string[],
  ): Promise<{
    differences: Difference[];
    references: Map<string, unknown[]>;
  }> {
    const differences: Difference[] = [];
    const references = new Map<string, unknown[]>();
    for (const operation of operations.filter((o) => o.kind === 'query')) {
      if (only && !only.includes(operation.key)) continue;
      const cases = QUERY_CASES[operation.key]!(seed);
      const data: unknown[] = [];
      references.set(operation.key, data);
      for (const caller of CALLERS) {
        for (const variables of cases) {
          const run = async (engine: Engine) =>
            engine({
              document: operation.document,
              operation: operation.operation,
              operationName: operation.name,
              variables,
              // Each engine gets a context of its own (as two requests would): the loaders cache per context.
              context: await server.outpost.http.createContext(seed.secrets[caller]),
            });
          const reference = await run(referenceEngine);
          const result = await run(candidate);
          data.push(reference.data);
          if (response(result) !== response(reference)) {
            differences.push({
              operation: operation.key,
              caller,
              variables,
              reference: response(reference),
              candidate: response(result),
            });
          }
        }
      }
    }
    return { differences, references };
  }

  it('collects the clients’ operations, and has variables for every query and nothing else left out', () => {
    const keys = operations.map((o) => o.key);
    // Both clients, with what they are known to send (a sanity floor, not the list).
    expect(keys).toEqual(expect.arrayContaining(['console/WorkspaceProviders', 'cli/Providers']));
    expect(
      operations
        .filter((o) => o.kind === 'query')
        .map((o) => o.key)
        .sort(),
    ).toEqual(Object.keys(QUERY_CASES).sort());
    // Everything not compared by running is executed by graphql-js on every path (see above).
    for (const operation of operations.filter((o) => o.kind !== 'query')) {
      expect(['mutation', 'subscription'], operation.key).toContain(operation.kind);
    }
  });

  it('sends only documents that are valid and that graphql-jit compiles (no silent fallback)', () => {
    const { schema } = server.outpost;
    for (const operation of operations) {
      expect(validate(schema, operation.document, specifiedRules), operation.key).toEqual([]);
      if (operation.kind !== 'query') continue;
      const compiled = compileQuery(schema, operation.document, operation.name);
      expect(isCompiledQuery(compiled) ? [] : compiled.errors, operation.key).toEqual([]);
    }
  });

  it('gives identical data and errors for every query, caller and variables, with every field filled', async () => {
    const { differences, references } = await compare(compiledEngine);
    expect(differences).toEqual([]);
    // The comparison means something only where there was data to compare: every field an operation
    // selects holds a value for some caller (a field the seed leaves empty fails here, named).
    const unfilled: string[] = [];
    for (const operation of operations.filter((o) => o.kind === 'query')) {
      const filled = new Set<string>();
      for (const data of references.get(operation.key)!) filledPaths(data, '', filled);
      for (const path of selectedPaths(operation.document, operation.operation)) {
        if (!filled.has(path)) unfilled.push(`${operation.key}:${path}`);
      }
    }
    expect(unfilled).toEqual([]);
  }, 60_000);

  it('fails when the compiled result differs in a leaf, in an error code or in error order', async () => {
    const only = ['console/ProviderDetails', 'cli/Provider'];
    const tamper =
      (change: (result: ExecutionResult, run: HttpOperation) => ExecutionResult): Engine =>
      async (run) =>
        change(await compiledEngine(run), run);
    // A leaf: the status of one provider, as seen by the site admin only.
    const leaf = await compare(
      tamper((result, run) => {
        const provider = (result.data as { workspaceProvider?: { status?: string } } | null)
          ?.workspaceProvider;
        if (run.context.viewer?.siteRole !== 'ADMIN' || !provider?.status) return result;
        return { ...result, data: { workspaceProvider: { ...provider, status: 'CHANGED_BY_TEST' } } };
      }),
      only,
    );
    expect(leaf.differences.length).toBeGreaterThan(0);
    expect(new Set(leaf.differences.map((d) => d.caller))).toEqual(new Set(['siteAdmin']));
    // An error code: FORBIDDEN turned into another code, message and path unchanged.
    const code = await compare(
      tamper((result) => ({
        ...result,
        errors: result.errors?.map(
          (error) =>
            new GraphQLError(error.message, {
              path: error.path,
              originalError: error.originalError,
              extensions: { ...error.extensions, code: 'SOMETHING_ELSE' },
            }),
        ),
      })),
      only,
    );
    expect(code.differences.map((d) => d.caller)).toEqual(expect.arrayContaining(['member', 'anonymous']));
    // The order of the errors: the CLI reports the first one.
    const order = await compare(
      tamper((result) => ({ ...result, errors: result.errors && [...result.errors].reverse() })),
      only,
    );
    expect(order.differences.length).toBeGreaterThan(0);
    expect(order.differences.every((d) => JSON.parse(d.reference).errors.length > 1)).toBe(true);
  }, 60_000);

  /**
   * Organizations with members, providers in every status (one cordoned, one default, one with an agent
   * of another release, check results and a status history), allowlists, and workspaces in both
   * organizations with what their agent observed.
   */
  async function seedWorld(): Promise<Seed> {
    const world = await createWorld(server);
    const admin = world.personas.siteAdmin.credentials;
    const { org, otherOrg } = world;
    const alpha = await createProvider(server, admin, 'alpha', { organizationIds: [org.id] });
    const beta = await createProvider(server, admin, 'beta', { organizationIds: [org.id, otherOrg.id] });
    const gamma = await createProvider(server, admin, 'gamma', {
      organizationIds: [otherOrg.id],
      status: 'PENDING',
    });
    const agent = await registerAgentFor(server, admin, alpha.id);
    await setProviderStatus(server.db, alpha.id, 'ERROR', 'node pressure');
    await setProviderStatus(server.db, alpha.id, 'READY', 'recovered');
    await setProviderStatus(server.db, gamma.id, 'ERROR', 'cannot reach the cluster');
    const now = new Date();
    await server.db.workspaceProvider.update({
      where: { id: alpha.id },
      data: {
        lastHeartbeatAt: now,
        accessUrl: 'https://alpha.example.com',
        agentVersion: `${SERVER_VERSION}-old`,
        kubernetesVersion: 'v1.31.2',
        chartVersion: '1.4.0',
        checkResults: [
          { name: 'namespace', passed: true, message: 'namespace workspaces exists' },
          { name: 'storage', passed: false, message: 'no default StorageClass' },
        ],
      },
    });
    await server.db.workspaceProvider.update({
      where: { id: beta.id },
      data: { lastHeartbeatAt: now, agentVersion: SERVER_VERSION, checkResults: [] },
    });
    await server.client.data(
      `mutation($id: ID!) { setDefaultWorkspaceProvider(id: $id) { id } }`,
      { id: alpha.id },
      admin,
    );
    const createWorkspace = async (
      caller: 'member' | 'otherOrgMember',
      organizationId: string,
      providerId: string,
      name: string,
    ) => {
      const { createWorkspace } = await server.client.data<{ createWorkspace: { id: string } }>(
        `mutation($o: ID!, $n: String!, $p: ID) { createWorkspace(organizationId: $o, name: $n, providerId: $p) { id } }`,
        { o: organizationId, n: name, p: providerId },
        world.personas[caller].credentials,
      );
      await server.db.workspace.update({
        where: { id: createWorkspace.id },
        data: { observedPhase: 'Running', observedMessage: 'pod ready', observedAt: now },
      });
    };
    await createWorkspace('member', org.id, alpha.id, 'dev');
    await createWorkspace('member', org.id, beta.id, 'ci');
    await createWorkspace('otherOrgMember', otherOrg.id, beta.id, 'research');
    await server.client.data(
      `mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "draining for an upgrade") { id } }`,
      { id: beta.id },
      admin,
    );
    const { workspaceProviders } = await server.client.data<{
      workspaceProviders: { pageInfo: { endCursor: string } };
    }>(`{ workspaceProviders(first: 1) { pageInfo { endCursor } } }`, {}, admin);
    const builtIn = { id: world.builtInId, name: 'built-in' };
    const secrets = Object.fromEntries([
      ...PERSONA_NAMES.map((name) => [name, world.personas[name].credentials.token]),
      ['agentOfProvider', agent.token],
    ]) as Seed['secrets'];
    return {
      world,
      secrets,
      providers: [builtIn, alpha, beta, gamma],
      cursor: workspaceProviders.pageInfo.endCursor,
    };
  }
});

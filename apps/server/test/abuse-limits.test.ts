import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildSchema,
  getIntrospectionQuery,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
} from 'graphql';
import type { Client } from 'graphql-ws';
import { readConfig } from '../src/config.js';
import { QUERY_LIMITS, QUERY_PARSE_OPTIONS, queryLimitRules } from '../src/limits/query-limits.js';
import { createWorld, isStatusMonitorSweep, useTestServer, type World } from './helpers.js';

type Answer = {
  status: number;
  ms: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
};

/** Posts a raw body, as a hostile client would, and times the answer. */
async function post(url: string, body: string, token?: string): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  });
  const parsed = (await response.json()) as Answer['body'];
  return { status: response.status, ms: performance.now() - started, body: parsed };
}

/** One operation over graphql-ws: its result, or the errors the server answered with. */
function overWebSocket(client: Client, query: string): Promise<Answer['body']> {
  return new Promise((resolve) => {
    let result: Answer['body'] = {};
    client.subscribe(
      { query },
      {
        next: (value) => {
          result = value as Answer['body'];
          // A subscription that was accepted keeps running; its acceptance is all we wait for here.
          resolve(result);
        },
        error: (error) => resolve({ errors: Array.isArray(error) ? error : [error as never] }),
        complete: () => resolve(result),
      },
    );
  });
}

/** `{ organizations { allowedProviders { allowedOrganizations { … id } } } }`, valid but for its depth. */
function nested(levels: number): string {
  const fields = ['organizations'];
  for (let level = 1; level < levels - 1; level++) {
    fields.push(level % 2 === 1 ? 'allowedProviders' : 'allowedOrganizations');
  }
  return `{ ${fields.join(' { ')} { id${' }'.repeat(fields.length)} }`;
}

const DEEP_PROVIDER_FIELDS = `allowedOrganizations { allowedProviders { allowedOrganizations { allowedProviders {
  id name displayName region status kind namespace clusterAddress accessUrl cordoned } } } }`;

describe('query shape limits, request size and batching', () => {
  let recording = false;
  const statements: string[] = [];
  const server = useTestServer({
    onStatement: (sql) => {
      if (recording && !isStatusMonitorSweep(sql)) statements.push(sql);
    },
  });
  let world: World;
  beforeAll(async () => {
    world = await createWorld(server);
  });

  const hostile: Array<{
    name: string;
    body: () => string;
    status: number;
    code: string;
    limit?: string;
  }> = [
    {
      name: '100-deep nesting',
      body: () => JSON.stringify({ query: nested(100) }),
      status: 400,
      code: 'QUERY_LIMIT_EXCEEDED',
      limit: 'depth',
    },
    {
      name: '10,000 aliases (refused while parsing: past the token limit)',
      body: () =>
        JSON.stringify({
          query: `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: setupRequired`).join(' ')} }`,
        }),
      status: 400,
      code: 'QUERY_LIMIT_EXCEEDED',
      limit: 'tokens',
    },
    {
      name: `${QUERY_LIMITS.aliases + 1} aliases`,
      body: () =>
        JSON.stringify({
          query: `{ ${Array.from({ length: QUERY_LIMITS.aliases + 1 }, (_, i) => `a${i}: setupRequired`).join(' ')} }`,
        }),
      status: 400,
      code: 'QUERY_LIMIT_EXCEEDED',
      limit: 'aliases',
    },
    {
      name: `${QUERY_LIMITS.directives + 1} directives`,
      body: () =>
        JSON.stringify({
          query: `{ ${'__typename @include(if: true) '.repeat(QUERY_LIMITS.directives + 1)}}`,
        }),
      status: 400,
      code: 'QUERY_LIMIT_EXCEEDED',
      limit: 'directives',
    },
    {
      name: 'a document of 20,000 tokens',
      body: () => JSON.stringify({ query: `{ ${'__typename '.repeat(20_000)}}` }),
      status: 400,
      code: 'QUERY_LIMIT_EXCEEDED',
      limit: 'tokens',
    },
    {
      name: 'a costly query within the depth limit (first: 100 over nested lists)',
      body: () =>
        JSON.stringify({
          query: `{ workspaceProviders(first: 100) { edges { node { ${DEEP_PROVIDER_FIELDS} } } } }`,
        }),
      status: 400,
      code: 'QUERY_LIMIT_EXCEEDED',
      limit: 'cost',
    },
    {
      name: 'a 1 MB document',
      body: () => JSON.stringify({ query: `{ __typename }${' '.repeat(1024 * 1024)}` }),
      status: 413,
      code: 'REQUEST_TOO_LARGE',
    },
    {
      name: 'a batch of 1,000 operations',
      body: () => JSON.stringify(Array.from({ length: 1_000 }, () => ({ query: '{ setupRequired }' }))),
      status: 400,
      code: 'BATCHING_NOT_SUPPORTED',
    },
  ];

  for (const attack of hostile) {
    it(`refuses ${attack.name} with ${attack.code}, before any resolver or SQL runs`, async () => {
      const body = attack.body();
      statements.length = 0;
      recording = true;
      const answer = await post(server.client.graphqlUrl, body);
      recording = false;
      expect(answer.status).toBe(attack.status);
      expect(answer.body.data ?? undefined).toBeUndefined();
      expect(answer.body.errors?.map((e) => e.extensions?.code)).toContain(attack.code);
      const error = answer.body.errors!.find((e) => e.extensions?.code === attack.code)!;
      if (attack.limit) {
        expect(error.extensions).toMatchObject({
          limit: attack.limit,
          max: QUERY_LIMITS[attack.limit as keyof typeof QUERY_LIMITS],
        });
      }
      expect(error.message.length).toBeGreaterThan(20);
      // Nothing was looked up: no resolver ran (an anonymous caller's context needs no SQL either).
      expect(statements).toEqual([]);
      // Generous for a shared two-core machine; each takes a few milliseconds on an idle one.
      expect(answer.ms).toBeLessThan(2_000);
    });
  }

  it('keeps answering normal traffic while the whole hostile corpus arrives at once', async () => {
    const token = world.personas.member.credentials.token;
    const normal = () => post(server.client.graphqlUrl, JSON.stringify({ query: '{ me { email } }' }), token);
    const answers = await Promise.all([
      ...hostile
        .flatMap((attack) => [attack, attack])
        .map((attack) => post(server.client.graphqlUrl, attack.body())),
      normal(),
      normal(),
    ]);
    const normals = answers.slice(-2);
    for (const answer of normals) {
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ me: { email: world.personas.member.email } });
    }
    expect(answers.slice(0, -2).every((answer) => answer.status >= 400)).toBe(true);
  });

  it('refuses a page size over 100 (first: 1000) with BAD_USER_INPUT naming first', async () => {
    const { token } = world.personas.siteAdmin.credentials;
    for (const query of [
      '{ workspaceProviders(first: 1000) { totalCount } }',
      '{ workspaces(first: 1000) { id } }',
    ]) {
      const answer = await post(server.client.graphqlUrl, JSON.stringify({ query }), token);
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
  });

  it('refuses a too-deep subscription over graphql-ws, and a document past the token limit', async () => {
    const client = server.client.subscriptions(world.personas.siteAdmin.credentials);
    try {
      // 12 levels: the event, its provider, then ten through the allowlists.
      const deep = await overWebSocket(
        client,
        `subscription { workspaceProviderEvents { provider ${nested(10).replace('organizations', 'allowedOrganizations')} } }`,
      );
      expect(deep.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth' });
      const long = await overWebSocket(client, `subscription { ${'__typename '.repeat(5_000)}}`);
      expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'tokens' });
      // A normal subscription on the same connection is still accepted (it waits for events).
      const normal = await Promise.race([
        overWebSocket(client, 'subscription { workspaceProviderEvents { type providerId } }'),
        new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 500)),
      ]);
      expect(normal).toBe('open');
    } finally {
      await client.dispose();
    }
  });

  it('closes a WebSocket that sends a message over the request size limit (1009)', async () => {
    const client = server.client.subscriptions();
    try {
      const huge = await overWebSocket(client, `subscription { __typename }${' '.repeat(1024 * 1024)}`);
      expect((huge.errors?.[0] as { code?: number } | undefined)?.code).toBe(1009);
    } finally {
      await client.dispose();
    }
  });

  it('lets every operation of the console, the CLI, the agent and GraphiQL through', () => {
    const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
    const documents: Array<[string, DocumentNode]> = [];
    const generated = readFileSync(
      fileURLToPath(new URL('../../console/src/generated/graphql.ts', import.meta.url)),
      'utf8',
    );
    for (const match of generated.matchAll(
      /export const (\w+)Document = (\{"kind":"Document".*?\}) as unknown/g,
    )) {
      documents.push([`console ${match[1]}`, JSON.parse(match[2]!) as DocumentNode]);
    }
    expect(documents.length).toBeGreaterThan(15);
    const agentOperations = readFileSync(
      fileURLToPath(new URL('../../agent/src/server/operations.ts', import.meta.url)),
      'utf8',
    );
    const agentFields = Object.fromEntries(
      [...agentOperations.matchAll(/const (\w+_FIELDS) = ['`]([^'`]*)['`]/g)].map((m) => [m[1]!, m[2]!]),
    );
    for (const match of agentOperations.matchAll(/`((?:query|mutation|subscription) \w+[^`]*)`/g)) {
      const query = match[1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => agentFields[name] ?? '');
      documents.push([`agent ${query.slice(0, 40)}`, parse(query, QUERY_PARSE_OPTIONS)]);
    }
    const cliProviderFields = `id name displayName kind region status isDefault cordoned cordonReason
      accessUrl workspaceCount createdAt statusMessage clusterAddress namespace allowedOrganizations { slug }`;
    documents.push([
      'CLI provider list (first: 100)',
      parse(
        `query($after: String) { workspaceProviders(first: 100, after: $after) {
          edges { node { ${cliProviderFields} } } pageInfo { hasNextPage endCursor } } }`,
        QUERY_PARSE_OPTIONS,
      ),
    ]);
    documents.push(['GraphiQL introspection', parse(getIntrospectionQuery(), QUERY_PARSE_OPTIONS)]);
    const rules = [...specifiedRules, ...queryLimitRules({ introspection: true })];
    const refused = documents
      .map(([name, document]) => [name, validate(schema, document, rules).map((e) => e.message)] as const)
      .filter(([, errors]) => errors.length > 0);
    expect(refused).toEqual([]);
  });
});

describe('introspection and field suggestions', () => {
  it('are on in development and off in production unless OUTPOST_INTROSPECTION=true', () => {
    expect(readConfig({}).introspection).toBe(true);
    expect(readConfig({ NODE_ENV: 'production' }).introspection).toBe(false);
    expect(readConfig({ NODE_ENV: 'production', OUTPOST_INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(readConfig({ OUTPOST_INTROSPECTION: 'false' }).introspection).toBe(false);
    // GraphiQL turned on in production brings introspection, which it cannot work without.
    expect(readConfig({ NODE_ENV: 'production', OUTPOST_GRAPHIQL: 'true' }).introspection).toBe(true);
    expect(
      readConfig({ NODE_ENV: 'production', OUTPOST_GRAPHIQL: 'true', OUTPOST_INTROSPECTION: 'false' })
        .introspection,
    ).toBe(false);
  });

  describe('in development', () => {
    const server = useTestServer();

    it('answers introspection (GraphiQL’s full query) and suggests field names', async () => {
      const introspection = await post(
        server.client.graphqlUrl,
        JSON.stringify({ query: getIntrospectionQuery() }),
      );
      expect(introspection.status).toBe(200);
      expect(introspection.body.errors).toBeUndefined();
      const typo = await post(server.client.graphqlUrl, JSON.stringify({ query: '{ setupRequire }' }));
      expect(typo.body.errors?.[0]?.message).toContain('Did you mean "setupRequired"?');
    });
  });

  describe('in production', () => {
    const server = useTestServer({ config: { development: false, introspection: false } });

    it('refuses introspection and hides suggestions, on HTTP and graphql-ws', async () => {
      const introspection = await post(
        server.client.graphqlUrl,
        JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
      );
      expect(introspection.status).toBe(400);
      expect(introspection.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(introspection.body.errors?.[0]?.message).toMatch(/introspection is not allowed/);
      const typo = await post(server.client.graphqlUrl, JSON.stringify({ query: '{ setupRequire }' }));
      expect(typo.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(typo.body.errors?.[0]?.message).toContain('Cannot query field "setupRequire"');
      expect(typo.body.errors?.[0]?.message).not.toContain('Did you mean');
      // Ordinary queries still work, __typename included.
      const normal = await post(
        server.client.graphqlUrl,
        JSON.stringify({ query: '{ __typename setupRequired }' }),
      );
      expect(normal.body.data).toMatchObject({ __typename: 'Query' });

      const client = server.client.subscriptions();
      try {
        const wsIntrospection = await overWebSocket(client, '{ __schema { queryType { name } } }');
        expect(wsIntrospection.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        const wsTypo = await overWebSocket(client, 'subscription { workspaceProviderEvent { type } }');
        expect(wsTypo.errors?.[0]?.message).toContain('Cannot query field "workspaceProviderEvent"');
        expect(wsTypo.errors?.[0]?.message).not.toContain('Did you mean');
      } finally {
        await client.dispose();
      }
    });
  });
});

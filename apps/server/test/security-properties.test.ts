import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@outpost/prisma';
import { createTestDatabase, type Credentials } from '@outpost/testing';
import { generateToken, TokenPrefix, type TokenKind } from '../src/auth/tokens.js';
import { startServerProcess, type ServerProcess } from './helpers.js';

/**
 * Security properties an admin relies on, checked against the real server process (so its logs are
 * the logs an operator would collect) and its real database. Other properties have their tests next to
 * the feature: agent credential scope and registration tokens in agent-protocol.test.ts, cookies, CSRF
 * and revocation on open subscriptions in auth.test.ts, the authorization matrix in authorization.test.ts.
 */

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Every row of every table of the application's schema, as text: what `pg_dump --data-only` would hold. */
async function dumpDatabase(db: PrismaClient): Promise<{ text: string; tables: string[] }> {
  const tables = await db.$queryRaw<Array<{ name: string }>>`
    SELECT table_name::text AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`;
  const parts: string[] = [];
  for (const { name } of tables) {
    const [row] = await db.$queryRawUnsafe<Array<{ rows: string | null }>>(
      `SELECT json_agg(t)::text AS rows FROM "${name.replaceAll('"', '""')}" t`,
    );
    parts.push(`-- ${name}\n${row?.rows ?? ''}`);
  }
  return { text: parts.join('\n'), tables: tables.map((t) => t.name) };
}

describe('secrets at rest and in logs', () => {
  let server: ServerProcess;
  let db: PrismaClient;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = createPrismaClient(database.url);
    server = await startServerProcess({ DATABASE_URL: database.url, NODE_ENV: 'production' });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.$disconnect();
    await drop?.();
  });

  it('stores no plaintext password, session, API token, registration token or agent credential, and logs none', async () => {
    const client = server.client;
    const password = 'plaintext-password-🔑-that-must-not-leak';
    const wrongPassword = 'another-plaintext-guess-that-must-not-leak';
    const memberPassword = 'the-member-password-that-must-not-leak';
    const secrets: Record<string, string> = { password, wrongPassword, memberPassword };

    await client.data(
      `mutation($p: String!) { setupFirstAdmin(email: "root@example.com", name: "Root", password: $p) { id } }`,
      {
        p: password,
      },
    );
    const failed = await client.request(
      `mutation($p: String!) { login(email: "root@example.com", password: $p) { user { id } } }`,
      { p: wrongPassword },
    );
    expect(failed.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const login = await client.request(
      `mutation($p: String!) { login(email: "root@example.com", password: $p) { user { id } } }`,
      { p: password },
    );
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    secrets.session = cookie.slice(cookie.indexOf('=') + 1);
    const admin: Credentials = { cookie };

    const { createApiToken } = await client.data<{ createApiToken: { token: string } }>(
      `mutation { createApiToken(name: "ci") { token } }`,
      {},
      admin,
    );
    secrets.apiToken = createApiToken.token;
    await client.data(
      `mutation($p: String!) { createUser(email: "member@example.com", name: "Member", password: $p) { id } }`,
      { p: memberPassword },
      admin,
    );

    const { createWorkspaceProvider } = await client.data<{
      createWorkspaceProvider: { provider: { id: string }; registrationToken: { token: string } };
    }>(
      `mutation($input: CreateWorkspaceProviderInput!) {
        createWorkspaceProvider(input: $input) { provider { id } registrationToken { token } } }`,
      {
        input: {
          name: 'eu-west',
          region: 'eu-west',
          clusterAddress: 'https://eu.example.com',
          namespace: 'ws',
        },
      },
      { token: secrets.apiToken },
    );
    secrets.registrationToken = createWorkspaceProvider.registrationToken.token;
    const { registerAgent } = await client.data<{ registerAgent: { credential: string } }>(
      `mutation { registerAgent { credential } }`,
      {},
      { token: secrets.registrationToken },
    );
    secrets.agentCredential = registerAgent.credential;
    const { rotateAgentCredential } = await client.data<{ rotateAgentCredential: { credential: string } }>(
      `mutation { rotateAgentCredential { credential } }`,
      {},
      { token: secrets.agentCredential },
    );
    secrets.rotatedAgentCredential = rotateAgentCredential.credential;
    const { issueProviderRegistrationToken } = await client.data<{
      issueProviderRegistrationToken: { token: string };
    }>(
      `mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token } }`,
      { id: createWorkspaceProvider.provider.id },
      admin,
    );
    secrets.unusedRegistrationToken = issueProviderRegistrationToken.token;
    // A failure the server logs (a refused secret) must not echo the secret either.
    await client.request(`{ me { id } }`, {}, { token: 'opat_guessed-token-that-must-not-leak' });
    secrets.guessedToken = 'opat_guessed-token-that-must-not-leak';

    const dump = await dumpDatabase(db);
    expect(dump.tables).toEqual(
      expect.arrayContaining(['users', 'sessions', 'api_tokens', 'agent_credentials', 'audit_events']),
    );
    for (const [what, secret] of Object.entries(secrets)) {
      expect(dump.text.includes(secret), `${what} in the database`).toBe(false);
      expect(server.output().includes(secret), `${what} in the server's logs`).toBe(false);
      // Nor without its type prefix.
      const body = secret.replace(/^op[a-z]{2}_/, '');
      expect(dump.text.includes(body), `${what} (without prefix) in the database`).toBe(false);
    }
    // The dump does hold what is stored instead, so the search above looked in the right places.
    for (const what of [
      'session',
      'apiToken',
      'agentCredential',
      'rotatedAgentCredential',
      'unusedRegistrationToken',
    ])
      expect(dump.text, `the hash of ${what}`).toContain(sha256(secrets[what]!));
    expect(dump.text).toMatch(/scrypt\$32768\$8\$1\$/);
  });
});

describe('tokens', () => {
  it('are 256 random bits behind a prefix that names their type, never repeated', () => {
    const kinds = Object.keys(TokenPrefix) as TokenKind[];
    expect(new Set(Object.values(TokenPrefix)).size).toBe(kinds.length);
    for (const kind of kinds) {
      const seen = new Set<string>();
      for (let i = 0; i < 5_000; i++) {
        const token = generateToken(kind);
        expect(token.startsWith(TokenPrefix[kind])).toBe(true);
        const body = token.slice(TokenPrefix[kind].length);
        expect(Buffer.from(body, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
        expect(Buffer.from(body, 'base64url').toString('base64url')).toBe(body);
        seen.add(token);
      }
      expect(seen.size).toBe(5_000);
    }
  });

  it('spread their bits evenly: every base64url character position is near-uniform over many tokens', () => {
    // A biased generator (a timestamp, a counter, Math.random with few bits) fails this long before
    // an attacker would notice; crypto.randomBytes passes it with a wide margin.
    const samples = 20_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < samples; i++) {
      const body = generateToken('apiToken').slice(TokenPrefix.apiToken.length);
      // The first 42 characters carry 6 random bits each (the 43rd only 4).
      for (const char of body.slice(0, 42)) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect(counts.size).toBe(64);
    const expected = (samples * 42) / 64;
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.05);
  });
});

describe('HTTP surface', () => {
  let server: ServerProcess;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    server = await startServerProcess({ DATABASE_URL: database.url, NODE_ENV: 'production' });
  });
  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  it('keeps CORS closed: no other origin may read API answers or pass a preflight', async () => {
    const origin = 'https://attacker.example';
    const preflight = await fetch(server.client.graphqlUrl, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const post = await fetch(server.client.graphqlUrl, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the console with a same-origin CSP, no framing, nosniff and no referrer', async () => {
    for (const page of ['/', '/manage/admin/workspace-providers']) {
      const response = await fetch(new URL(page, server.client.graphqlUrl), {
        headers: { accept: 'text/html' },
      });
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const html = await (await fetch(new URL('/', server.client.graphqlUrl))).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, server.client.graphqlUrl));
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { createProvider, PASSWORD, tokenFor, useTestServer } from './helpers.js';

const WINDOW_SECONDS = 3;
const LIMITS = { windowSeconds: WINDOW_SECONDS, login: 3, registration: 2, mutations: 5 };

type Answer = {
  status: number;
  retryAfter: string | null;
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
};

const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { email } } }`;
const REGISTER = `mutation { registerAgent { providerId credential } }`;
const CREATE_ORG = `mutation($s: String!) { createOrganization(name: $s, slug: $s) { id } }`;

/** Waits out the window, so the next request starts a fresh count. */
const nextWindow = () => sleep(WINDOW_SECONDS * 1000 + 200);

describe('rate limits', () => {
  // OUTPOST_TRUST_PROXY: the client address comes from X-Forwarded-For, so one test process can be many clients.
  const server = useTestServer({ config: { trustProxy: true, rateLimits: LIMITS } });

  /** One request as the client at `address`. */
  async function send(
    address: string,
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<Answer> {
    const response = await fetch(server.client.graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': address,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<Answer, 'status' | 'retryAfter'>;
    return { ...body, status: response.status, retryAfter: response.headers.get('retry-after') };
  }

  const expectRateLimited = (answer: Answer, limit: string) => {
    expect(answer.status).toBe(429);
    expect(answer.data ?? undefined).toBeUndefined();
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit });
    const retryAfterSeconds = answer.errors![0]!.extensions!.retryAfterSeconds as number;
    expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(answer.retryAfter).toBe(String(retryAfterSeconds));
    expect(answer.errors![0]!.message).toMatch(/try again in \d+ s/);
  };

  let adminEmail: string;
  let adminToken: string;
  let otherToken: string;
  let providerId: string;
  let registrationToken: string;

  beforeAll(async () => {
    adminEmail = 'admin@example.com';
    await server.client.data(
      `mutation($e: String!, $p: String!) { setupFirstAdmin(email: $e, name: "Admin", password: $p) { id } }`,
      { e: adminEmail, p: PASSWORD },
    );
    adminToken = await tokenFor(server.client, adminEmail);
    for (const email of ['victim@example.com', 'other@example.com']) {
      await server.client.data(
        `mutation($e: String!, $p: String!) { createUser(email: $e, name: "User", password: $p) { id } }`,
        { e: email, p: PASSWORD },
        { token: adminToken },
      );
    }
    otherToken = await tokenFor(server.client, 'other@example.com');
    providerId = (await createProvider(server, { token: adminToken }, 'limited', { status: 'PENDING' })).id;
    const { issueProviderRegistrationToken } = await server.client.data<{
      issueProviderRegistrationToken: { token: string };
    }>(
      `mutation($p: ID!) { issueProviderRegistrationToken(providerId: $p) { token } }`,
      { p: providerId },
      {
        token: adminToken,
      },
    );
    registrationToken = issueProviderRegistrationToken.token;
    // Setting up spent some of the budgets above; every test starts from a fresh window.
    await nextWindow();
  });

  it('reads its budgets from the environment, with defaults for one replica', () => {
    expect(readConfig({}).rateLimits).toEqual({
      windowSeconds: 60,
      login: 10,
      registration: 20,
      mutations: 120,
    });
    expect(
      readConfig({
        OUTPOST_RATE_LIMIT_WINDOW_SECONDS: '30',
        OUTPOST_RATE_LIMIT_LOGIN: '5',
        OUTPOST_RATE_LIMIT_REGISTRATION: '6',
        OUTPOST_RATE_LIMIT_MUTATIONS: '7',
      }).rateLimits,
    ).toEqual({ windowSeconds: 30, login: 5, registration: 6, mutations: 7 });
    expect(() => readConfig({ OUTPOST_RATE_LIMIT_LOGIN: '2.5' })).toThrow(/whole number/);
  });

  it('limits login attempts per client address, creating no session, and recovers after the window', async () => {
    const address = '203.0.113.1';
    for (let attempt = 1; attempt <= LIMITS.login; attempt++) {
      const wrong = await send(address, LOGIN, {
        e: `nobody-${attempt}@example.com`,
        p: 'wrong-password-123',
      });
      expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const sessionsBefore = await server.db.session.count();
    expectRateLimited(await send(address, LOGIN, { e: adminEmail, p: PASSWORD }), 'login');
    expect(await server.db.session.count()).toBe(sessionsBefore);
    // Another client is not affected.
    const elsewhere = await send('203.0.113.2', LOGIN, { e: adminEmail, p: PASSWORD });
    expect(elsewhere.data).toEqual({ login: { user: { email: adminEmail } } });

    await nextWindow();
    const again = await send(address, LOGIN, { e: adminEmail, p: PASSWORD });
    expect(again.data).toEqual({ login: { user: { email: adminEmail } } });
  });

  it('limits login attempts per email address across client addresses', async () => {
    for (let attempt = 1; attempt <= LIMITS.login; attempt++) {
      const wrong = await send(`198.51.100.${attempt}`, LOGIN, {
        e: 'victim@example.com',
        p: 'not-the-password',
      });
      expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // Even the right password waits: the guesser cannot tell when it has found it.
    expectRateLimited(await send('198.51.100.99', LOGIN, { e: 'VICTIM@example.com', p: PASSWORD }), 'login');
    await nextWindow();
    expect((await send('198.51.100.99', LOGIN, { e: 'victim@example.com', p: PASSWORD })).data).toBeTruthy();
  });

  it('counts every login field of one request', async () => {
    const twice = `mutation($p: String!) {
      a: login(email: "twice-a@example.com", password: $p) { user { id } }
      b: login(email: "twice-b@example.com", password: $p) { user { id } }
    }`;
    const first = await send('203.0.113.50', twice, { p: 'wrong-password-123' });
    expect(first.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // 2 spent of 3: two more do not fit.
    expectRateLimited(await send('203.0.113.50', twice, { p: 'wrong-password-123' }), 'login');
  });

  it('limits registration-token exchanges per client address without using up the token', async () => {
    const address = '192.0.2.10';
    for (let attempt = 1; attempt <= LIMITS.registration; attempt++) {
      const guess = await send(address, REGISTER, {}, `oprg_guess${attempt}`);
      expect(guess.errors?.[0]?.extensions?.code).not.toBe('RATE_LIMITED');
      expect(guess.data ?? undefined).toBeUndefined();
    }
    const credentials = () =>
      server.db.agentCredential.findMany({
        where: { providerId },
        orderBy: { id: 'asc' },
        select: { id: true, isRegistration: true, revokedAt: true },
      });
    const before = await credentials();
    expectRateLimited(await send(address, REGISTER, {}, registrationToken), 'registration');
    // The token was not used up and no credential was issued.
    expect(await credentials()).toEqual(before);
    expect(before.filter((c) => !c.isRegistration)).toEqual([]);

    await nextWindow();
    const registered = await send(address, REGISTER, {}, registrationToken);
    expect(registered.data).toMatchObject({ registerAgent: { providerId } });
  });

  it('limits mutations per user, refusing the whole request, while queries and other users go on', async () => {
    const slug = (n: number) => `limited-${n}`;
    for (let n = 1; n <= LIMITS.mutations - 1; n++) {
      expect((await send('10.0.0.1', CREATE_ORG, { s: slug(n) }, adminToken)).data).toBeTruthy();
    }
    // One left; this request asks for two.
    const both = await send(
      '10.0.0.2',
      `mutation { a: createOrganization(name: "a", slug: "${slug(90)}") { id } b: createOrganization(name: "b", slug: "${slug(91)}") { id } }`,
      {},
      adminToken,
    );
    expectRateLimited(both, 'mutations');
    expect(await server.db.organization.count({ where: { slug: { in: [slug(90), slug(91)] } } })).toBe(0);
    // Per user, from any address: another address does not help.
    expectRateLimited(await send('10.0.0.3', CREATE_ORG, { s: slug(92) }, adminToken), 'mutations');
    // Reading is not limited, and other users keep their own budget.
    expect((await send('10.0.0.1', '{ me { email } }', {}, adminToken)).data).toEqual({
      me: { email: adminEmail },
    });
    expect(
      (await send('10.0.0.1', CREATE_ORG, { s: slug(93) }, otherToken)).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');

    await nextWindow();
    expect((await send('10.0.0.1', CREATE_ORG, { s: slug(94) }, adminToken)).data).toBeTruthy();
  });

  it('applies the same limits to mutations sent over graphql-ws', async () => {
    const client = server.client.subscriptions();
    const run = (query: string, variables: Record<string, unknown>) =>
      new Promise<Omit<Answer, 'status' | 'retryAfter'>>((resolve) => {
        client.subscribe(
          { query, variables },
          {
            next: (value) => resolve(value as Omit<Answer, 'status' | 'retryAfter'>),
            error: (errors) => resolve({ errors: errors as Answer['errors'] }),
            complete: () => undefined,
          },
        );
      });
    try {
      for (let attempt = 1; attempt <= LIMITS.login; attempt++) {
        const wrong = await run(LOGIN, { e: `ws-${attempt}@example.com`, p: 'wrong-password-123' });
        expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      const limited = await run(LOGIN, { e: 'ws-4@example.com', p: 'wrong-password-123' });
      expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'login' });
      expect(limited.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    } finally {
      await client.dispose();
    }
  });
});

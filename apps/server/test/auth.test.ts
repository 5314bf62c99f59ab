import { describe, expect, it } from 'vitest';
import { createWorld, PASSWORD, useTestServer } from './helpers.js';

const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id email } } }`;
const ME = `{ me { email siteRole memberships { role organization { slug } } } }`;

describe('authentication', () => {
  const server = useTestServer();

  it('accepts the first-admin setup exactly once, even when two requests race', async () => {
    expect((await server.client.data(`{ setupRequired }`)).setupRequired).toBe(true);
    const setup = (email: string) =>
      server.client.request(
        `mutation($e: String!, $p: String!) { setupFirstAdmin(email: $e, name: "First", password: $p) { id } }`,
        {
          e: email,
          p: PASSWORD,
        },
      );
    const results = await Promise.all([setup('first@example.com'), setup('second@example.com')]);
    const refused = results.filter((r) => r.errors?.[0]?.extensions?.code === 'PRECONDITION_FAILED');
    expect(refused).toHaveLength(1);
    expect(await server.db.user.count()).toBe(1);
    expect((await server.client.data(`{ setupRequired }`)).setupRequired).toBe(false);
  });

  it('signs in with an HttpOnly, SameSite=Lax session cookie that identifies the user', async () => {
    const admin = await server.db.user.findFirstOrThrow();
    const login = await server.client.request(LOGIN, { e: admin.email.toUpperCase(), p: PASSWORD });
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^outpost_session=opss_/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i); // plain http here; https sets Secure
    const cookie = setCookie.split(';')[0]!;
    expect((await server.client.data(ME, {}, { cookie })).me).toMatchObject({
      email: admin.email,
      siteRole: 'ADMIN',
    });
  });

  it('gives the same answer for a wrong password and an unknown email', async () => {
    const admin = await server.db.user.findFirstOrThrow();
    const wrong = await server.client.request(LOGIN, { e: admin.email, p: 'not-the-password' });
    const unknown = await server.client.request(LOGIN, { e: 'nobody@example.com', p: 'not-the-password' });
    expect(wrong.errors?.[0]).toMatchObject({
      message: 'Email or password is wrong.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(unknown.errors?.[0]).toMatchObject({
      message: 'Email or password is wrong.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('ends the session on logout', async () => {
    const admin = await server.db.user.findFirstOrThrow();
    const login = await server.client.request(LOGIN, { e: admin.email, p: PASSWORD });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    await server.client.data(`mutation { logout }`, {}, { cookie });
    expect((await server.client.data(ME, {}, { cookie })).me).toBeNull();
    const denied = await server.client.request(`{ workspaceProviders { totalCount } }`, {}, { cookie });
    expect(denied.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('shows an API token once, stores only its hash, and stops accepting it once revoked', async () => {
    const admin = await server.db.user.findFirstOrThrow();
    const cookie = (await server.client.request(LOGIN, { e: admin.email, p: PASSWORD })).headers
      .get('set-cookie')!
      .split(';')[0]!;
    const { createApiToken } = await server.client.data(
      `mutation { createApiToken(name: "ci") { token apiToken { id name } } }`,
      {},
      { cookie },
    );
    expect(createApiToken.token).toMatch(/^opat_[A-Za-z0-9_-]{43}$/); // 256 random bits, typed prefix
    const listed = await server.client.data(`{ apiTokens { id name } }`, {}, { token: createApiToken.token });
    expect(listed.apiTokens).toContainEqual({ id: createApiToken.apiToken.id, name: 'ci' });
    expect(JSON.stringify(listed)).not.toContain(createApiToken.token);

    const stored = await server.db.apiToken.findUniqueOrThrow({ where: { id: createApiToken.apiToken.id } });
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.tokenHash).not.toContain(createApiToken.token);

    await server.client.data(
      `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`,
      { id: stored.id },
      { cookie },
    );
    const after = await server.client.request(
      `{ workspaceProviders { totalCount } }`,
      {},
      { token: createApiToken.token },
    );
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('stops accepting a revoked token on a WebSocket that was opened before the revocation', async () => {
    const admin = await server.db.user.findFirstOrThrow();
    const cookie = (await server.client.request(LOGIN, { e: admin.email, p: PASSWORD })).headers
      .get('set-cookie')!
      .split(';')[0]!;
    const { createApiToken } = await server.client.data(
      `mutation { createApiToken(name: "socket") { token apiToken { id } } }`,
      {},
      { cookie },
    );
    const socket = server.client.subscriptions({ token: createApiToken.token });
    const meOverSocket = () =>
      new Promise<any>((resolve, reject) => {
        let result: unknown;
        socket.subscribe(
          { query: `{ me { email } }` },
          {
            next: (value) => (result = value),
            error: reject,
            complete: () => resolve(result),
          },
        );
      });
    try {
      expect((await meOverSocket()).data.me.email).toBe(admin.email);
      await server.client.data(
        `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`,
        { id: createApiToken.apiToken.id },
        { cookie },
      );
      expect((await meOverSocket()).data.me).toBeNull();
    } finally {
      await socket.dispose();
    }
  });

  it('never stores a password, session or token in plain text', async () => {
    await createWorld(server);
    const dump = JSON.stringify([
      await server.db.user.findMany(),
      await server.db.session.findMany(),
      await server.db.apiToken.findMany(),
      await server.db.auditEvent.findMany(),
    ]);
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toMatch(/opat_|opss_/);
    for (const user of await server.db.user.findMany())
      expect(user.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
  });

  it("keeps Apollo's CSRF prevention on: a simple cross-site POST is refused before any resolver runs", async () => {
    const before = await server.db.auditEvent.count();
    const response = await fetch(server.client.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/i);
    expect(await server.db.auditEvent.count()).toBe(before);
  });

  it('lists the viewer organizations and roles in me', async () => {
    const world = await createWorld(server);
    const { me } = await server.client.data(ME, {}, world.personas.orgAdmin.credentials);
    expect(me).toEqual({
      email: world.personas.orgAdmin.email,
      siteRole: 'MEMBER',
      memberships: [{ role: 'ADMIN', organization: { slug: world.org.slug } }],
    });
  });
});

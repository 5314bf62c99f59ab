import { beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import type { FormattedExecutionResult } from 'graphql';
import WebSocket from 'ws';
import { readConfig } from '../src/config.js';
import { createWorld, PASSWORD, resultOf, useTestServer, type TestServer, type World } from './helpers.js';

/**
 * When the session cookie counts as a credential (src/http/session-cookie.ts): only on requests from the
 * server's own origin or OUTPOST_ALLOWED_ORIGINS, and a cookie that cannot be decoded is no cookie.
 * Browsers send cookies on a WebSocket upgrade to any page that opens one, so without the origin rule a
 * page elsewhere (another port of the same host, a sibling subdomain: same site for SameSite=Lax) could
 * act as whoever is signed in to the console.
 */

const ALLOWED_ORIGIN = 'https://console.example.com';
const CREATE_TOKEN = `mutation { createApiToken(name: "from a socket", expiresInDays: 1) { token } }`;
const ME = `{ me { email } }`;

interface SocketOptions {
  origin?: string;
  cookie?: string;
  token?: string;
  /** More upgrade headers, e.g. what a proxy adds. */
  headers?: Record<string, string>;
}

/** A graphql-ws connection with the upgrade headers a browser (Origin, Cookie) or a script would send. */
function socket(url: string, { origin, cookie, token, headers: extra }: SocketOptions): Client {
  const headers = { ...extra, ...(origin ? { origin } : {}), ...(cookie ? { cookie } : {}) };
  return createClient({
    url,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    },
    connectionParams: token ? { token } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** A world, the site admin's session cookie, and sockets closed after the file. */
function useSignedInAdmin(server: TestServer) {
  const state = {
    world: undefined as unknown as World,
    cookie: '',
    open(options: SocketOptions): Client {
      const client = socket(server.outpost.http.websocketUrl, options);
      clients.push(client);
      return client;
    },
  };
  const clients: Client[] = [];
  beforeAll(async () => {
    state.world = await createWorld(server);
    const login = await server.client.request(
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }`,
      { e: state.world.personas.siteAdmin.email, p: PASSWORD },
    );
    state.cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    return async () => {
      await Promise.all(clients.map((client) => client.dispose()));
    };
  });
  return state;
}

describe('the session cookie on a WebSocket counts only from this server’s origins', () => {
  const server = useTestServer({ config: { allowedOrigins: [ALLOWED_ORIGIN] } });
  const admin = useSignedInAdmin(server);
  let world: World;
  let cookie: string;
  let ownOrigin: string;
  const open = (options: SocketOptions) => admin.open(options);

  beforeAll(() => {
    ({ world, cookie } = admin);
    ownOrigin = new URL(server.outpost.http.url).origin;
  });

  const tokenCount = () => server.db.apiToken.count();

  it('treats a socket from a foreign page as anonymous although it carries the admin’s cookie', async () => {
    const before = await tokenCount();
    // The attack from the issue: another site's page, the admin's cookie sent along by the browser.
    const evil = open({ origin: 'https://evil.example', cookie });
    const created = await resultOf(evil, CREATE_TOKEN);
    expect(created.data).toBeNull();
    expect(created.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await resultOf(evil, ME)).data).toEqual({ me: null });
    // Another port of the very host the server is on: same site, so SameSite=Lax still sends the cookie.
    const port = Number(new URL(ownOrigin).port);
    const sibling = open({ origin: `http://127.0.0.1:${port === 65535 ? port - 1 : port + 1}`, cookie });
    expect((await resultOf(sibling, CREATE_TOKEN)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // The same host and port over the other scheme is another origin too.
    const otherScheme = open({ origin: ownOrigin.replace(/^http:/, 'https:'), cookie });
    expect((await resultOf(otherScheme, ME)).data).toEqual({ me: null });
    const opaque = open({ origin: 'null', cookie }); // sandboxed frames and file:// pages
    expect((await resultOf(opaque, ME)).data).toEqual({ me: null });
    // Without OUTPOST_TRUST_PROXY, forwarded headers are anyone's to send: they name no origin of ours.
    const forged = open({
      origin: 'https://evil.example',
      cookie,
      headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    });
    expect((await resultOf(forged, ME)).data).toEqual({ me: null });
    expect(await tokenCount()).toBe(before);
  });

  it('honours the cookie on a socket from the origin the server is reached at (console, GraphiQL)', async () => {
    const own = open({ origin: ownOrigin, cookie });
    const created = await resultOf(own, CREATE_TOKEN);
    expect(created.errors).toBeUndefined();
    expect(created.data).toMatchObject({ createApiToken: { token: expect.stringMatching(/^opat_/) } });
    // Hosts and schemes are compared as browsers compare origins: case-insensitively.
    const shouted = open({ origin: ownOrigin.toUpperCase().replace('HTTP:', 'http:'), cookie });
    expect((await resultOf(shouted, ME)).data).toEqual({ me: { email: world.personas.siteAdmin.email } });
  });

  it('honours the cookie from an origin listed in OUTPOST_ALLOWED_ORIGINS', async () => {
    const allowed = open({ origin: ALLOWED_ORIGIN, cookie });
    expect((await resultOf(allowed, ME)).data).toEqual({ me: { email: world.personas.siteAdmin.email } });
  });

  it('honours the cookie when there is no Origin at all (not a browser: nothing cross-site about it)', async () => {
    const script = open({ cookie });
    expect((await resultOf(script, ME)).data).toEqual({ me: { email: world.personas.siteAdmin.email } });
  });

  it('authenticates a token in connectionParams whatever the Origin (CLI, agents, scripts)', async () => {
    const member = world.personas.member;
    const fromAnywhere = open({ origin: 'https://evil.example', token: member.credentials.token });
    expect((await resultOf(fromAnywhere, ME)).data).toEqual({ me: { email: member.email } });
    // The token wins over a cookie that does not count: it is the credential the caller chose to send.
    const both = open({ origin: 'https://evil.example', cookie, token: member.credentials.token });
    expect((await resultOf(both, ME)).data).toEqual({ me: { email: member.email } });
  });

  it('applies the same rule to HTTP: a foreign Origin’s cookie is no credential there either', async () => {
    const post = (origin: string) =>
      fetch(server.client.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin, cookie },
        body: JSON.stringify({ query: ME }),
      }).then((response) => response.json() as Promise<FormattedExecutionResult>);
    expect((await post('https://evil.example')).data).toEqual({ me: null });
    expect((await post(ownOrigin)).data).toEqual({ me: { email: world.personas.siteAdmin.email } });
    expect((await post(ALLOWED_ORIGIN)).data).toEqual({ me: { email: world.personas.siteAdmin.email } });
  });
});

describe('the server’s own origin behind a proxy', () => {
  const server = useTestServer({
    config: { trustProxy: true, publicUrl: 'https://outpost.example.com/api' },
  });
  const admin = useSignedInAdmin(server);
  const me = () => ({ me: { email: admin.world.personas.siteAdmin.email } });

  it('is the origin of OUTPOST_PUBLIC_URL (a TLS proxy in front)', async () => {
    const viaPublicUrl = admin.open({ origin: 'https://outpost.example.com', cookie: admin.cookie });
    expect((await resultOf(viaPublicUrl, ME)).data).toEqual(me());
  });

  it('is the scheme and host the trusted proxy forwards (X-Forwarded-Proto, X-Forwarded-Host)', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'outpost.corp.example' };
    const viaProxy = admin.open({
      origin: 'https://outpost.corp.example',
      cookie: admin.cookie,
      headers: forwarded,
    });
    expect((await resultOf(viaProxy, ME)).data).toEqual(me());
    // The proxy says it was reached over https: the same host over http is another origin.
    const downgraded = admin.open({
      origin: 'http://outpost.corp.example',
      cookie: admin.cookie,
      headers: forwarded,
    });
    expect((await resultOf(downgraded, ME)).data).toEqual({ me: null });
  });
});

describe('OUTPOST_ALLOWED_ORIGINS', () => {
  it('is read as a comma-separated list of origins, written as browsers send them', () => {
    expect(readConfig({}).allowedOrigins).toEqual([]);
    expect(
      readConfig({ OUTPOST_ALLOWED_ORIGINS: ' https://Console.Example.com , http://10.0.0.5:8080/,' })
        .allowedOrigins,
    ).toEqual(['https://console.example.com', 'http://10.0.0.5:8080']);
  });

  it('refuses an entry that is not an origin, naming it', () => {
    for (const entry of [
      'console.example.com',
      'https://console.example.com/app',
      'ftp://files.example',
      '*',
    ]) {
      const read = () => readConfig({ OUTPOST_ALLOWED_ORIGINS: `https://ok.example,${entry}` });
      expect(read).toThrow(/^OUTPOST_ALLOWED_ORIGINS must list origins/);
      expect(read).toThrow(`(got "${entry}")`);
    }
  });
});

describe('a session cookie that cannot be decoded', () => {
  const server = useTestServer();
  // An escape that is cut short: decodeURIComponent throws on it.
  const MALFORMED = 'outpost_session=%E0%A4%A';

  it('is no credential over HTTP: the request runs anonymously instead of failing with a 500', async () => {
    const response = await fetch(server.client.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `theme=dark; ${MALFORMED}` },
      body: JSON.stringify({ query: ME }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { me: null } });
  });

  it('is no credential on the WebSocket upgrade: the connection is anonymous instead of closed', async () => {
    const client = socket(server.outpost.http.websocketUrl, { cookie: MALFORMED });
    try {
      expect(await resultOf(client, ME)).toEqual({ data: { me: null } });
    } finally {
      await client.dispose();
    }
  });
});

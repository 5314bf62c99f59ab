import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { useTestServer } from './helpers.js';

// What a browser gets besides the API: GraphiQL at /graphql (the real build of packages/graphiql-page,
// made by `pnpm run build`) and the console SPA, here a stand-in build in a temp folder.

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const INDEX_HTML =
  '<!doctype html><title>console stand-in</title><script src="/assets/app-Bx7Kq2Lm.js"></script>';
const ASSET = 'console.log("console stand-in");';
const IMMUTABLE = 'public, max-age=31536000, immutable';

function fakeConsoleBuild(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-console-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), INDEX_HTML);
  writeFileSync(path.join(dir, 'assets', 'app-Bx7Kq2Lm.js'), ASSET);
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

describe('console and GraphiQL served by the server', () => {
  const consoleDir = fakeConsoleBuild();
  afterAll(() => rmSync(consoleDir, { recursive: true, force: true }));
  const server = useTestServer({ config: { graphiql: true, consoleDir } });
  const url = (pathname: string) => new URL(pathname, server.outpost.http.url).toString();
  const get = (pathname: string, accept = BROWSER_ACCEPT) => fetch(url(pathname), { headers: { accept } });

  it('announces both URLs', () => {
    expect(server.outpost.http.consoleUrl).toBe(`${server.outpost.http.url}/`);
    expect(server.outpost.http.graphiqlUrl).toBe(server.outpost.http.graphqlUrl);
  });

  it('serves index.html at / and for every client-side route, revalidated on each load', async () => {
    for (const pathname of ['/', '/providers', '/providers/built-in/settings', '/organizations?first=10']) {
      const response = await get(pathname);
      expect(response.status, pathname).toBe(200);
      expect(response.headers.get('content-type'), pathname).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control'), pathname).toBe('no-cache');
      expect(await response.text(), pathname).toBe(INDEX_HTML);
    }
    const head = await fetch(url('/providers'), { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('serves hashed assets for a year and other files revalidated', async () => {
    const asset = await get('/assets/app-Bx7Kq2Lm.js', '*/*');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(await asset.text()).toBe(ASSET);

    const icon = await get('/favicon.svg', '*/*');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('no-cache');

    const index = await get('/index.html');
    expect(index.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a missing asset with 404, never with index.html', async () => {
    const response = await get('/assets/app-Old0ld00.js', '*/*');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('console stand-in');
  });

  it('does not fall back for other methods or for the API, health and GraphiQL paths', async () => {
    expect((await fetch(url('/providers'), { method: 'POST' })).status).toBe(404);
    expect(await (await get('/healthz', 'application/json')).json()).toEqual({ status: 'ok' });
    const missingGraphiqlAsset = await get('/graphiql-assets/assets/nope.js', '*/*');
    expect(missingGraphiqlAsset.status).toBe(404);
    expect(await missingGraphiqlAsset.text()).not.toContain('console stand-in');
  });

  it('answers a browser navigation to /graphql with GraphiQL, whose assets are all served from here', async () => {
    const response = await get('/graphql');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await response.text();
    expect(html).toContain('<title>Outpost GraphiQL</title>');
    expect(html, 'no CDN').not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((match) => match[1]!)
      .filter((asset) => !asset.startsWith('data:'));
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset, 'no CDN: every asset is on this server').toMatch(/^\/graphiql-assets\/assets\//);
      const file = await get(asset, '*/*');
      expect(file.status, asset).toBe(200);
      expect(file.headers.get('cache-control'), asset).toBe(IMMUTABLE);
    }
  });

  it('keeps GraphQL over POST and GET (JSON) unchanged', async () => {
    const post = await fetch(server.client.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual({ data: { __typename: 'Query' } });

    const getQuery = await fetch(
      `${server.client.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`,
      {
        headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
      },
    );
    expect(getQuery.status).toBe(200);
    expect(await getQuery.json()).toEqual({ data: { __typename: 'Query' } });

    // A client that accepts anything (curl's */*) is a GraphQL client, not a browser.
    const anything = await fetch(server.client.graphqlUrl, { headers: { accept: '*/*' } });
    expect(anything.headers.get('content-type')).toMatch(/json/);
  });
});

describe('GraphiQL off and no console build', () => {
  const missingDir = path.join(os.tmpdir(), 'outpost-console-never-built');
  const server = useTestServer({ config: { graphiql: false, consoleDir: missingDir } });
  const url = (pathname: string) => new URL(pathname, server.outpost.http.url).toString();

  it('answers a browser navigation to /graphql with a JSON error, not a page', async () => {
    expect(server.outpost.http.graphiqlUrl).toBeUndefined();
    const response = await fetch(server.client.graphqlUrl, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/json/);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]!.message).toContain('OUTPOST_GRAPHIQL=false');
    expect((await fetch(url('/graphiql-assets/index.html'))).status).toBe(404);
  });

  it('still starts, and / says how to build the console', async () => {
    expect(server.outpost.http.consoleUrl).toBeUndefined();
    const response = await fetch(url('/'), { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('console is not built');
    expect(text).toContain('pnpm@12.21.0 run build');
    expect(text).toContain('OUTPOST_CONSOLE_DIR');
  });

  it('keeps the API working', async () => {
    expect(await server.client.data('{ __typename }')).toEqual({ __typename: 'Query' });
  });
});

describe('configuration', () => {
  it('turns GraphiQL on outside production and off in production unless OUTPOST_GRAPHIQL says otherwise', () => {
    expect(readConfig({}).graphiql).toBe(true);
    expect(readConfig({ NODE_ENV: 'production' }).graphiql).toBe(false);
    expect(readConfig({ NODE_ENV: 'production', OUTPOST_GRAPHIQL: 'true' }).graphiql).toBe(true);
    expect(readConfig({ OUTPOST_GRAPHIQL: 'false' }).graphiql).toBe(false);
    expect(() => readConfig({ OUTPOST_GRAPHIQL: 'yes' })).toThrow(
      /OUTPOST_GRAPHIQL must be "true" or "false"/,
    );
  });

  it('finds the console build next to the server package unless OUTPOST_CONSOLE_DIR is set', () => {
    const serverPackage = path.resolve(import.meta.dirname, '..');
    expect(readConfig({}).consoleDir).toBe(path.resolve(serverPackage, '../console/dist'));
    expect(readConfig({ OUTPOST_CONSOLE_DIR: 'relative/dist' }).consoleDir).toBe(
      path.resolve('relative/dist'),
    );
  });
});

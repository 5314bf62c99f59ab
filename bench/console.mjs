#!/usr/bin/env node
// Console: what the providers page costs in the browser, against real PostgreSQL and the real server
// process serving the built console, driven in Debian's Chromium (never a downloaded browser).
//
//   node bench/console.mjs [--providers 1000] [--small 10] [--changes 20]
//
// Every figure sits next to a baseline measured in the same run:
// - initial JavaScript of the providers page, gzipped, vs react + react-dom production builds gzipped
//   from node_modules, and vs the GraphiQL page's entry bundle;
// - commit → row updated in the browser (cordon tag), vs commit → subscriber of a plain graphql-ws
//   client in Node, for the same mutations;
// - DOM nodes with the large list loaded vs with the small one, next to the rows mounted (virtualised).
// Run `npm run build` (or `npm test`) first. Writes bench/results/console.{json,md}.
/* global window, document, requestAnimationFrame, MutationObserver -- page.evaluate bodies run in the page */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';

import { args, cleanup, cleanups, load, root, startProcess, stats, waitFor } from './support.mjs';

const { startLocalPostgres } = await load('packages/local-postgres/dist/index.js');
const { migrateDeploy } = await load('prisma/dist/index.js');

const large = Number(args.providers ?? 1000);
const small = Number(args.small ?? 10);
const changes = Number(args.changes ?? 20);
const ADMIN = { email: 'bench@example.com', password: 'benchmark-password' };
const CHROMIUM = process.env.OUTPOST_CHROMIUM || '/usr/bin/chromium';
const PAGE = '/manage/admin/workspace-providers';

/** Wall clock with sub-millisecond resolution, comparable with the page's timeOrigin + now(). */
const wallClock = () => performance.timeOrigin + performance.now();
const gzipped = (buffer) => gzipSync(buffer).length;

/** react + react-dom production builds as the console resolves them, gzipped file by file. */
function reactBaseline() {
  const fromConsole = createRequire(path.join(root, 'apps/console/package.json'));
  const reactDir = path.dirname(fromConsole.resolve('react/package.json'));
  const reactDomDir = path.dirname(fromConsole.resolve('react-dom/package.json'));
  const files = [
    path.join(reactDir, 'cjs/react.production.js'),
    path.join(reactDomDir, 'cjs/react-dom.production.js'),
    path.join(reactDomDir, 'cjs/react-dom-client.production.js'),
  ];
  const sizes = files.map((file) => ({
    file: path.relative(root, file),
    bytes: readFileSync(file).length,
    gzipBytes: gzipped(readFileSync(file)),
  }));
  return { files: sizes, gzipBytes: sizes.reduce((sum, f) => sum + f.gzipBytes, 0) };
}

/** The GraphiQL page's entry scripts (what its index.html loads), gzipped. */
function graphiqlBaseline() {
  const dist = path.join(root, 'packages/graphiql-page/dist');
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const srcs = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]);
  const sizes = srcs.map((src) => {
    const body = readFileSync(path.join(dist, src.replace(/^.*\/assets\//, 'assets/')));
    return { file: src, bytes: body.length, gzipBytes: gzipped(body) };
  });
  return { files: sizes, gzipBytes: sizes.reduce((sum, f) => sum + f.gzipBytes, 0) };
}

async function insertProviders(db, from, to) {
  await db.query(
    `INSERT INTO workspace_providers (id, name, display_name, region, namespace, status, updated_at)
     SELECT gen_random_uuid(), 'bench-' || lpad(i::text, 5, '0'), 'Bench provider ' || i,
            'region-' || (i % 7), 'bench-' || i,
            (ARRAY['READY', 'PENDING', 'ERROR']::"ProviderStatus"[])[1 + i % 3], now()
     FROM generate_series($1::int, $2::int) AS i`,
    [from, to],
  );
}

try {
  const jsBaselineReact = reactBaseline();
  const jsBaselineGraphiql = graphiqlBaseline();

  // PostgreSQL and the schema.
  const pgDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-pg-'));
  const postgres = await startLocalPostgres({ dataDir: path.join(pgDir, 'data'), ephemeral: true });
  cleanups.push(async () => {
    await postgres.stop();
    rmSync(pgDir, { recursive: true, force: true });
  });
  await postgres.createDatabase('bench');
  const databaseUrl = postgres.databaseUrl('bench');
  await migrateDeploy(databaseUrl);

  // The server, which also serves the built console at `/`.
  const server = startProcess('apps/server/dist/main.js', {
    DATABASE_URL: databaseUrl,
    KUBECONFIG: '',
    OUTPOST_PORT: '0',
    OUTPOST_ADMIN_EMAIL: ADMIN.email,
    OUTPOST_ADMIN_PASSWORD: ADMIN.password,
    NODE_ENV: 'production',
  });
  cleanups.push(async () => {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });
  await waitFor(() => /Outpost API:\s+(\S+)/.test(server.output()), 60_000, 'the server');
  const graphqlUrl = /Outpost API:\s+(\S+)/.exec(server.output())[1];
  const origin = new URL(graphqlUrl).origin;

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  cleanups.push(() => db.end());
  const providerCount = async () =>
    Number((await db.query('SELECT count(*)::int AS n FROM workspace_providers')).rows[0].n);

  // An API token for the Node subscriber and the mutations.
  const login = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }',
      variables: { e: ADMIN.email, p: ADMIN.password },
    }),
  });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const tokenResponse = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ query: 'mutation { createApiToken(name: "bench") { token } }' }),
  });
  const adminToken = (await tokenResponse.json()).data.createApiToken.token;
  const gql = async (query, variables = {}) => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };

  // The browser, signed in through the console's own form.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  cleanups.push(() => browser.close());
  const context = await browser.newContext({ baseURL: origin, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const heading = page.getByRole('heading', { level: 1, name: 'Workspace Providers' });
  await page.goto(PAGE);
  await page.getByRole('heading', { name: 'Sign in to Outpost' }).waitFor();
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await heading.waitFor();

  /** Opens the page afresh, waits for the list to be loaded; DOM nodes, rows mounted, the scripts it loaded. */
  const openLoaded = async () => {
    const expected = await providerCount();
    const scripts = [];
    const onResponse = (response) => {
      if (response.request().resourceType() === 'script') scripts.push(response);
    };
    page.on('response', onResponse);
    await page.goto(PAGE);
    await page
      .locator('.page__heading .muted')
      .getByText(`${expected} provider${expected === 1 ? '' : 's'}`, { exact: true })
      .waitFor({ timeout: 60_000 });
    await page.locator('.provider-row').first().waitFor();
    await page.evaluate(
      () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 200))),
    );
    page.off('response', onResponse);
    const dom = await page.evaluate(() => ({
      nodes: document.querySelectorAll('*').length,
      rowsMounted: document.querySelectorAll('.provider-row').length,
    }));
    const js = [];
    for (const response of scripts) {
      const body = await response.body();
      js.push({ url: new URL(response.url()).pathname, bytes: body.length, gzipBytes: gzipped(body) });
    }
    return { providers: expected, ...dom, js };
  };

  // DOM nodes: small list, then large list.
  const existing = await providerCount();
  await insertProviders(db, 1, Math.max(0, small - existing));
  const smallList = await openLoaded();
  await insertProviders(db, Math.max(0, small - existing) + 1, large - existing);
  const largeList = await openLoaded();
  const initialJs = {
    files: largeList.js,
    gzipBytes: largeList.js.reduce((sum, f) => sum + f.gzipBytes, 0),
    bytes: largeList.js.reduce((sum, f) => sum + f.bytes, 0),
  };

  // Commit → row updated: one visible provider, cordoned and uncordoned in turn.
  const name = await page.locator('.provider-row .provider-row__title').first().textContent();
  const { id } = (await db.query('SELECT id FROM workspace_providers WHERE name = $1', [name])).rows[0];
  await page.evaluate((rowName) => {
    const state = { cordoned: null, at: [] };
    window.__bench = state;
    const check = () => {
      const at = performance.timeOrigin + performance.now();
      const row = [...document.querySelectorAll('.provider-row')].find(
        (r) => r.querySelector('.provider-row__title')?.textContent === rowName,
      );
      if (!row) return;
      const cordoned = [...row.querySelectorAll('.tag')].some((t) => t.textContent.startsWith('cordoned'));
      if (cordoned !== state.cordoned) {
        state.cordoned = cordoned;
        state.at.push({ cordoned, at });
      }
    };
    check();
    new MutationObserver(check).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  }, name);

  const events = [];
  const socket = createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { token: adminToken },
  });
  cleanups.push(async () => socket.dispose());
  socket.subscribe(
    {
      query: `subscription($id: ID) { workspaceProviderEvents(providerId: $id) { type provider { cordoned } } }`,
      variables: { id },
    },
    {
      next: (value) => events.push({ at: wallClock(), event: value.data.workspaceProviderEvents }),
      error: () => undefined,
      complete: () => undefined,
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 500));

  const toBrowser = [];
  const toSubscriber = [];
  for (let i = 0; i < changes; i++) {
    const cordon = i % 2 === 0;
    const fromEvent = events.length;
    const fromMark = await page.evaluate(() => window.__bench.at.length);
    const t0 = wallClock();
    await gql(
      cordon
        ? 'mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "bench") { id } }'
        : 'mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { id } }',
      { id },
    );
    let received;
    await waitFor(
      () =>
        (received = events
          .slice(fromEvent)
          .find((e) => e.event.type === 'CORDON_CHANGED' && e.event.provider?.cordoned === cordon)),
      10_000,
      'the subscriber event',
    );
    let mark;
    await waitFor(
      async () =>
        (mark = (await page.evaluate((from) => window.__bench.at.slice(from), fromMark)).find(
          (m) => m.cordoned === cordon,
        )),
      10_000,
      'the row to update',
    );
    toSubscriber.push(received.at - t0);
    toBrowser.push(mark.at - t0);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const b = stats(toBrowser);
  const s = stats(toSubscriber);
  const perProvider = (list) => list.nodes / list.providers;
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    browser: `Chromium ${browser.version()} (${CHROMIUM}), viewport 1280×800`,
    settings: { providers: large, smallList: small, changes },
    initialJs,
    baselines: { reactAndReactDom: jsBaselineReact, graphiqlEntry: jsBaselineGraphiql },
    dom: { small: smallList, large: largeList },
    commitToRowUpdatedMs: b,
    commitToNodeSubscriberMs: s,
    ratios: {
      initialJsToReactAndReactDom: initialJs.gzipBytes / jsBaselineReact.gzipBytes,
      initialJsToGraphiql: initialJs.gzipBytes / jsBaselineGraphiql.gzipBytes,
      medianRowUpdatedToSubscriber: b.median / s.median,
      domNodesLargeToSmall: largeList.nodes / smallList.nodes,
      providersLargeToSmall: largeList.providers / smallList.providers,
    },
    rawMs: { toBrowser, toSubscriber },
  };
  for (const list of [smallList, largeList]) delete list.js;
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  const ms = (v) => `${v.toFixed(1)} ms`;
  const markdown = [
    '# Console: providers page',
    '',
    `${result.date} · ${result.machine} · ${result.browser}`,
    '',
    '## Initial JavaScript, gzipped',
    '',
    '| what | gzipped | ratio |',
    '|---|---|---|',
    `| providers page (${initialJs.files.map((f) => f.url).join(', ')}) | ${kb(initialJs.gzipBytes)} | 1.00× |`,
    `| baseline: react + react-dom production builds | ${kb(jsBaselineReact.gzipBytes)} | page is ${result.ratios.initialJsToReactAndReactDom.toFixed(2)}× |`,
    `| baseline: GraphiQL page entry | ${kb(jsBaselineGraphiql.gzipBytes)} | page is ${result.ratios.initialJsToGraphiql.toFixed(2)}× |`,
    '',
    'React 19 publishes its production builds unminified, so the react + react-dom baseline overstates what ' +
      'they add to a minified bundle; the console and GraphiQL bundles are minified. All sizes: gzip level 6 here.',
    '',
    `## Commit → row updated in the browser (cordon tag), ${changes} changes`,
    '',
    '| measure | min | median | p90 | max |',
    '|---|---|---|---|---|',
    `| mutation sent → cordon tag changes in the row | ${ms(b.min)} | ${ms(b.median)} | ${ms(b.p90)} | ${ms(b.max)} |`,
    `| baseline: mutation sent → graphql-ws subscriber in Node | ${ms(s.min)} | ${ms(s.median)} | ${ms(s.p90)} | ${ms(s.max)} |`,
    '',
    `Median browser update is ${result.ratios.medianRowUpdatedToSubscriber.toFixed(2)}× the Node subscriber's ` +
      `(+${(b.median - s.median).toFixed(1)} ms for the console's socket, cache and rendering). ` +
      'Same mutations, both clocks on this machine.',
    '',
    '## DOM nodes (virtualised list)',
    '',
    '| providers | DOM nodes | rows mounted | nodes per provider |',
    '|---|---|---|---|',
    `| ${smallList.providers} | ${smallList.nodes} | ${smallList.rowsMounted} | ${perProvider(smallList).toFixed(2)} |`,
    `| ${largeList.providers} | ${largeList.nodes} | ${largeList.rowsMounted} | ${perProvider(largeList).toFixed(2)} |`,
    '',
    `${result.ratios.providersLargeToSmall.toFixed(0)}× the providers give ` +
      `${result.ratios.domNodesLargeToSmall.toFixed(2)}× the DOM nodes.`,
    '',
  ].join('\n');
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/console.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(root, 'bench/results/console.md'), markdown);
  console.log(markdown);
} finally {
  await cleanup();
}

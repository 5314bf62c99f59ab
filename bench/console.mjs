#!/usr/bin/env node
// Console: what the providers page costs in the browser, against real PostgreSQL and the real server
// process serving the built console, driven in Debian's Chromium (never a downloaded browser).
//
//   node bench/console.mjs [--sizes 10,1000,10000] [--opens 3] [--changes 20] [--smoke]
//
// --smoke: sizes 10 and 200, 1 open, 4 changes. Every figure sits next to a baseline measured in the same run:
// - initial JavaScript of the providers page, gzipped, vs react + react-dom production builds gzipped
//   from node_modules, and vs the GraphiQL page's entry bundle. Target: ≤ 170 KB (170,000 bytes) gzipped;
// - time to first render at each size: navigation start → first provider row painted, vs navigation
//   start → the page's heading painted (the shell), and vs the smallest list; with the time until the
//   whole list is loaded;
// - DOM nodes at each size vs the smallest list, next to the rows mounted (virtualised).
//   Target: ≤ 1,500 DOM nodes at 10,000 providers;
// - commit → status badge changed in the browser: a provider's READY ⇄ ERROR transitions driven through
//   the server's agent path (reportAgentStatus with passing / failing checks, as a real agent sends them),
//   vs commit → the same event at a plain graphql-ws subscriber in Node. Measured on the largest list.
// Run `npm run build` (or `npm test`) first. Writes bench/results/console.{json,md} (--smoke:
// .test-results/bench-smoke/).
/* global window, document, requestAnimationFrame, MutationObserver -- page.evaluate bodies run in the page */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { chromium } from 'playwright-core';

import {
  args,
  cleanup,
  cleanups,
  machine,
  pinLoadGenerator,
  root,
  smoke,
  stats,
  waitFor,
  writeResult,
} from './support.mjs';
import { createProvider, startDatabase, startServer, subscribeProviderEvents } from './stack.mjs';

const sizes = (args.sizes ?? (smoke ? '10,200' : '10,1000,10000'))
  .split(',')
  .map(Number)
  .sort((x, y) => x - y);
const changes = Number(args.changes ?? (smoke ? 4 : 20));
const repeats = Number(args.opens ?? (smoke ? 1 : 3));
const CHROMIUM = process.env.OUTPOST_CHROMIUM || '/usr/bin/chromium';
const PAGE = '/manage/admin/workspace-providers';
const JS_TARGET_BYTES = 170_000;
const DOM_TARGET = { providers: 10_000, nodes: 1500 };
/** The provider whose badge is timed: sorts first after the default, so its row is on screen. */
const STATUS_PROVIDER = 'a-status-bench';

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
  if (to < from) return;
  await db.query(
    `INSERT INTO workspace_providers (id, name, display_name, region, namespace, status, updated_at)
     SELECT gen_random_uuid(), 'bench-' || lpad(i::text, 5, '0'), 'Bench provider ' || i,
            'region-' || (i % 7), 'bench-' || i,
            (ARRAY['READY', 'PENDING', 'ERROR']::"ProviderStatus"[])[1 + i % 3], now()
     FROM generate_series($1::int, $2::int) AS i`,
    [from, to],
  );
}

/** A report as the agent sends it (apps/agent/PROTOCOL.md): all checks passing, or the namespace missing. */
const agentReport = (passing) => ({
  agentVersion: JSON.parse(readFileSync(path.join(root, 'apps/server/package.json'), 'utf8')).version,
  protocolVersion: 1,
  kubernetesVersion: 'v1.31.2',
  nodeSummary: { nodeCount: 1, cpuMillicores: 2000, memoryBytes: '8589934592' },
  checks: [
    { name: 'kubernetes-api', passed: true, message: 'The cluster API answers (v1.31.2).' },
    passing
      ? { name: 'namespace', passed: true, message: 'Namespace bench exists.' }
      : { name: 'namespace', passed: false, message: 'Namespace bench does not exist: create it.' },
    { name: 'rbac', passed: true, message: 'Every verb the agent needs is allowed.' },
    { name: 'server-version', passed: true, message: 'The server speaks protocol 1.' },
  ],
});

pinLoadGenerator();
try {
  const jsBaselineReact = reactBaseline();
  const jsBaselineGraphiql = graphiqlBaseline();

  // PostgreSQL, and the server, which also serves the built console at `/`. A long grace, so the status
  // provider (which sends no heartbeats between the reports below) is not turned ERROR by the monitor.
  const databaseUrl = await startDatabase();
  const { graphqlUrl, adminToken, adminEmail, adminPassword, gql } = await startServer(databaseUrl, {
    grace: 3600,
  });
  const origin = new URL(graphqlUrl).origin;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  cleanups.push(() => db.end());
  const providerCount = async () =>
    Number((await db.query('SELECT count(*)::int AS n FROM workspace_providers')).rows[0].n);

  // The provider whose status badge is timed, registered as an agent would be; READY to start with.
  const statusProvider = await createProvider(
    gql,
    { server: 'https://127.0.0.1:6443' },
    STATUS_PROVIDER,
    'bench',
  );
  const agentGql = async (token, query, variables = {}) => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const { credential } = (
    await agentGql(statusProvider.registrationToken, 'mutation { registerAgent { credential } }')
  ).registerAgent;
  const report = (passing) =>
    agentGql(
      credential,
      'mutation($input: AgentStatusInput!) { reportAgentStatus(input: $input) { status } }',
      {
        input: agentReport(passing),
      },
    );
  await report(true);

  // The browser, signed in through the console's own form. Every document it opens records, in its own
  // clock (ms since navigation start), when the heading and the first provider row were first painted.
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
  await context.addInitScript(() => {
    const marks = {};
    window.__render = marks;
    // Painted: the frame after the element was inserted (requestAnimationFrame runs just before paint).
    const mark = (name, selector) => {
      if (marks[name] !== undefined || marks[`${name}Pending`] || !document.querySelector(selector)) return;
      marks[`${name}Pending`] = true;
      requestAnimationFrame(() => (marks[name] = performance.now()));
    };
    new MutationObserver(() => {
      mark('shell', '.page__heading h1');
      mark('firstRow', '.provider-row');
    }).observe(document, { subtree: true, childList: true });
  });
  const page = await context.newPage();
  const heading = page.getByRole('heading', { level: 1, name: 'Workspace Providers' });
  await page.goto(PAGE);
  await page.getByRole('heading', { name: 'Sign in to Outpost' }).waitFor();
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await heading.waitFor();

  /**
   * Opens the page afresh (signed in: the session cookie) and waits for the whole list: render times,
   * DOM nodes, rows mounted, the scripts it loaded.
   */
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
      .waitFor({ timeout: 180_000 });
    const loadedAt = await page.evaluate(() => performance.now());
    await page.locator('.provider-row').first().waitFor();
    await page.evaluate(
      () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 200))),
    );
    page.off('response', onResponse);
    const dom = await page.evaluate(() => ({
      nodes: document.querySelectorAll('*').length,
      rowsMounted: document.querySelectorAll('.provider-row').length,
      shellMs: window.__render.shell,
      firstRowMs: window.__render.firstRow,
    }));
    const js = [];
    for (const response of scripts) {
      const body = await response.body();
      js.push({ url: new URL(response.url()).pathname, bytes: body.length, gzipBytes: gzipped(body) });
    }
    return { providers: expected, ...dom, fullyLoadedMs: loadedAt, js };
  };

  // Each size in turn, smallest first: rows are added to reach it, the page is opened afresh.
  const lists = [];
  let inserted = 0;
  for (const size of sizes) {
    const missing = size - (await providerCount());
    await insertProviders(db, inserted + 1, inserted + missing);
    inserted += Math.max(0, missing);
    // The first load after inserting pays for PostgreSQL's cold pages and the server's JIT: not counted.
    // Then the median of --opens loads, as the machine is shared and one load is noisy.
    await openLoaded();
    const opens = [];
    for (let i = 0; i < repeats; i++) opens.push(await openLoaded());
    const median = (key) => stats(opens.map((o) => o[key])).median;
    const l = {
      ...opens.at(-1),
      shellMs: median('shellMs'),
      firstRowMs: median('firstRowMs'),
      fullyLoadedMs: median('fullyLoadedMs'),
      opens: opens.map(({ shellMs, firstRowMs, fullyLoadedMs }) => ({ shellMs, firstRowMs, fullyLoadedMs })),
    };
    lists.push(l);
    process.stdout.write(
      `${l.providers} providers: first row ${l.firstRowMs?.toFixed(0)} ms, loaded ${l.fullyLoadedMs.toFixed(0)} ms, ${l.nodes} nodes\n`,
    );
  }
  const smallList = lists[0];
  const largeList = lists.at(-1);
  const initialJs = {
    files: largeList.js,
    gzipBytes: largeList.js.reduce((sum, f) => sum + f.gzipBytes, 0),
    bytes: largeList.js.reduce((sum, f) => sum + f.bytes, 0),
  };

  // Commit → status badge changed, on the largest list: the status provider's row, READY ⇄ ERROR.
  await page.evaluate((rowName) => {
    const state = { status: null, at: [] };
    window.__bench = state;
    const check = () => {
      const at = performance.timeOrigin + performance.now();
      const row = [...document.querySelectorAll('.provider-row')].find(
        (r) => r.querySelector('.provider-row__title')?.textContent === rowName,
      );
      const badge = row?.querySelector('.status-badge');
      if (!badge) return;
      const status = /status-badge--(\w+)/.exec(badge.className)?.[1]?.toUpperCase() ?? null;
      if (status !== state.status) {
        state.status = status;
        state.at.push({ status, at });
      }
    };
    check();
    new MutationObserver(check).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['class'],
    });
  }, STATUS_PROVIDER);
  const initialBadge = await page.evaluate(() => window.__bench.status);
  if (initialBadge !== 'READY')
    throw new Error(`the ${STATUS_PROVIDER} row is not on screen READY (${initialBadge})`);

  const { events } = await subscribeProviderEvents(graphqlUrl, adminToken, statusProvider.id);
  const eventAt = (e) => performance.timeOrigin + e.at;
  const toBrowser = [];
  const toSubscriber = [];
  for (let i = 0; i < changes; i++) {
    const to = i % 2 === 0 ? 'ERROR' : 'READY';
    const fromEvent = events.length;
    const fromMark = await page.evaluate(() => window.__bench.at.length);
    const t0 = wallClock();
    const { status } = (await report(to === 'READY')).reportAgentStatus;
    if (status !== to) throw new Error(`reportAgentStatus answered ${status}, expected ${to}`);
    let received;
    await waitFor(
      () => (received = events.slice(fromEvent).find((e) => e.event.statusEvent?.toStatus === to)),
      10_000,
      'the subscriber event',
    );
    let mark;
    await waitFor(
      async () =>
        (mark = (await page.evaluate((from) => window.__bench.at.slice(from), fromMark)).find(
          (m) => m.status === to,
        )),
      10_000,
      'the badge to change',
    );
    toSubscriber.push(eventAt(received) - t0);
    toBrowser.push(mark.at - t0);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const b = stats(toBrowser);
  const s = stats(toSubscriber);
  const domTargetList = lists.find((l) => l.providers >= DOM_TARGET.providers);
  const ratio = (x, y) => (x !== undefined && y ? x / y : null);
  for (const list of lists) {
    list.firstRowToShell = ratio(list.firstRowMs, list.shellMs);
    list.firstRowToSmallest = ratio(list.firstRowMs, smallList.firstRowMs);
    list.nodesToSmallest = ratio(list.nodes, smallList.nodes);
  }
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    browser: `Chromium ${browser.version()} (${CHROMIUM}), viewport 1280×800`,
    settings: { sizes, opens: repeats, changes, smoke },
    initialJs,
    baselines: { reactAndReactDom: jsBaselineReact, graphiqlEntry: jsBaselineGraphiql },
    lists: lists.map(({ js: _js, ...list }) => list),
    commitToBadgeChangedMs: b,
    commitToNodeSubscriberMs: s,
    ratios: {
      initialJsToReactAndReactDom: initialJs.gzipBytes / jsBaselineReact.gzipBytes,
      initialJsToGraphiql: initialJs.gzipBytes / jsBaselineGraphiql.gzipBytes,
      initialJsToTarget: initialJs.gzipBytes / JS_TARGET_BYTES,
      medianBadgeChangedToSubscriber: b.median / s.median,
      domNodesLargestToSmallest: largeList.nodes / smallList.nodes,
      firstRowLargestToSmallest: ratio(largeList.firstRowMs, smallList.firstRowMs),
      providersLargestToSmallest: largeList.providers / smallList.providers,
    },
    targets: [
      {
        target: 'console first load ≤ 170 KB gzipped JS',
        measured: `${(initialJs.gzipBytes / 1000).toFixed(1)} KB (${(initialJs.gzipBytes / 1024).toFixed(1)} KiB) gzipped`,
        met: initialJs.gzipBytes <= JS_TARGET_BYTES,
      },
      {
        target: '≤ 1,500 DOM nodes at 10,000 providers',
        measured: domTargetList
          ? `${domTargetList.nodes} DOM nodes at ${domTargetList.providers} providers`
          : `not measured (largest list ${largeList.providers} providers)`,
        met: domTargetList ? domTargetList.nodes <= DOM_TARGET.nodes : false,
      },
    ],
    rawMs: { toBrowser, toSubscriber },
  };
  const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;
  const ms = (v) => (v === undefined || v === null ? '—' : `${v.toFixed(1)} ms`);
  const x = (v) => (v === null || v === undefined ? '—' : `${v.toFixed(2)}×`);
  const markdown = [
    '# Console: providers page',
    '',
    `${result.date} · ${result.machine} · ${result.browser}${smoke ? ' · SMOKE' : ''}`,
    '',
    '## Initial JavaScript, gzipped',
    '',
    '| what | gzipped | ratio |',
    '|---|---|---|',
    `| providers page (${initialJs.files.map((f) => f.url).join(', ')}) | ${kb(initialJs.gzipBytes)} | 1.00× |`,
    `| baseline: react + react-dom production builds | ${kb(jsBaselineReact.gzipBytes)} | page is ${x(result.ratios.initialJsToReactAndReactDom)} |`,
    `| baseline: GraphiQL page entry | ${kb(jsBaselineGraphiql.gzipBytes)} | page is ${x(result.ratios.initialJsToGraphiql)} |`,
    '',
    'React 19 publishes its production builds unminified, so the react + react-dom baseline overstates what ' +
      'they add to a minified bundle; the console and GraphiQL bundles are minified. All sizes: gzip level 6 ' +
      'here, KB = 1,000 bytes.',
    '',
    '## Time to first render and DOM nodes, by list size',
    '',
    'Times are from navigation start (the page reopened while signed in), to the frame in which the element ' +
      `was first painted; median of ${repeats} opens after a warm-up. "Whole list" is when the page shows the ` +
      'full count (every page of 100 fetched; the rows of the first pages are on screen meanwhile).',
    '',
    '| providers | heading painted (shell) | first row painted | first row / shell | first row / smallest | whole list loaded | DOM nodes | nodes / smallest | rows mounted |',
    '|---|---|---|---|---|---|---|---|---|',
    ...lists.map(
      (l) =>
        `| ${l.providers} | ${ms(l.shellMs)} | ${ms(l.firstRowMs)} | ${x(l.firstRowToShell)} | ${x(l.firstRowToSmallest)} | ` +
        `${ms(l.fullyLoadedMs)} | ${l.nodes} | ${x(l.nodesToSmallest)} | ${l.rowsMounted} |`,
    ),
    '',
    `## Commit → status badge changed in the browser, ${changes} changes on the ${largeList.providers}-provider list`,
    '',
    "Each change is a reportAgentStatus from the provider's agent credential (checks passing → READY, the " +
      "namespace check failing → ERROR): the server's real agent path and a real status transition.",
    '',
    '| measure | min | median | p90 | max |',
    '|---|---|---|---|---|',
    `| report sent → status badge changes in the row | ${ms(b.min)} | ${ms(b.median)} | ${ms(b.p90)} | ${ms(b.max)} |`,
    `| baseline: report sent → graphql-ws subscriber in Node | ${ms(s.min)} | ${ms(s.median)} | ${ms(s.p90)} | ${ms(s.max)} |`,
    '',
    `Median browser update is ${x(result.ratios.medianBadgeChangedToSubscriber)} the Node subscriber's ` +
      `(+${(b.median - s.median).toFixed(1)} ms for the console's socket, cache and rendering). ` +
      'Same reports, both clocks on this machine.',
    '',
    ...result.targets.map((t) => `- Target: ${t.target} — ${t.measured} — ${t.met ? 'met' : 'MISSED'}`),
    '',
  ].join('\n');
  writeResult('console', result, markdown);
  console.log(markdown);
} finally {
  await cleanup();
}

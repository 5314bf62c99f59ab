#!/usr/bin/env node
// Fills a migrated Outpost database with a realistic data set, reproducible from a seed: users,
// organizations and memberships, workspace providers with mixed statuses, allowlists, status histories
// and workspaces, all obeying the rules of docs/architecture.md, so the server reads them as it would read
// its own writes.
//
//   node bench/data/generate.mjs --database-url postgres://… [--seed 1] [--providers 1000]
//     [--organizations 200] [--users 2000] [--workspaces 10000] [--status-events 50000]
//
// The shape:
// - providers spread over regions; ~85 % READY, ~7 % PENDING (never connected), ~8 % ERROR; ~5 % of the
//   connected ones cordoned; exactly one default (a broadly allowlisted READY provider), and the
//   `built-in` provider (created here unless the server already did) allowlisting every organization;
// - every organization has a home region and is allowlisted to a handful of that region's providers;
//   one provider in a hundred (at least two) is allowlisted broadly (half or more of all organizations);
// - every user belongs to 1–3 organizations (the first ones cover every organization);
// - workspaces belong to a member of their organization, on a provider that allowlists it and has ever
//   been READY (never on a PENDING one), mostly RUNNING, some STOPPED or DELETED;
// - status events form one chain per provider (null → PENDING → … → its current status), timestamps
//   increasing, the last one at the provider's statusChangedAt.
// Rows go in through `pg` as multi-row `INSERT … SELECT FROM unnest(…)` batches, in one transaction,
// followed by ANALYZE so the planner sees the real sizes. The clock (`now`) only shifts timestamps:
// the same seed gives the same rows.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** mulberry32: a tiny, good-enough 32-bit PRNG whose whole state is one number. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REGIONS = [
  'eu-west',
  'eu-central',
  'eu-north',
  'us-east',
  'us-west',
  'us-central',
  'ca-central',
  'sa-east',
  'ap-south',
  'ap-southeast',
  'ap-northeast',
  'af-south',
];
const MESSAGES = {
  PENDING: 'Registered; waiting for the agent to connect.',
  READY: 'Agent connected; all checks pass.',
  ERROR: [
    'No heartbeat from the agent for longer than 15 s.',
    'namespace: namespace "workspaces" not found.',
    'rbac: the agent may not create pods in namespace "workspaces".',
    'kubernetes: the cluster API is unreachable (connect ECONNREFUSED).',
  ],
};
const BATCH = 5000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export async function generateData(
  databaseUrl,
  {
    seed = 1,
    providers = 1000,
    organizations = 200,
    users = 2000,
    workspaces = 10000,
    statusEvents = 50000,
    now = Date.now(),
    passwordHash,
  } = {},
) {
  const random = mulberry32(seed);
  const int = (n) => Math.floor(random() * n);
  const pick = (list) => list[int(list.length)];
  const between = (lo, hi) => lo + int(hi - lo + 1);
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => int(16).toString(16));
    hex[12] = '4';
    hex[16] = ((8 + int(4)) | 0).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
  const iso = (ms) => new Date(ms).toISOString();
  /** k distinct items of a list, in random order (partial Fisher–Yates on a copy). */
  const sample = (list, k) => {
    const copy = [...list];
    const n = Math.min(k, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + int(copy.length - i);
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, n);
  };

  // Hashing with the server's own scrypt helper is slow by design (32 MiB, tens of ms): once, shared by all.
  if (!passwordHash) {
    const { hashPassword } = await import(path.join(root, 'apps/server/dist/auth/passwords.js'));
    passwordHash = await hashPassword('generated-user-password');
  }

  // --- Organizations, each with a home region. ---
  const orgs = Array.from({ length: organizations }, (_, i) => ({
    id: uuid(),
    name: `Organization ${i + 1}`,
    slug: `org-${String(i + 1).padStart(4, '0')}`,
    region: REGIONS[i % REGIONS.length],
    createdAt: now - between(30, 400) * DAY,
  }));
  const orgsByRegion = new Map(REGIONS.map((r) => [r, orgs.filter((o) => o.region === r)]));

  // --- Users and memberships: user i's first organization is i mod organizations, so all have members. ---
  const userRows = Array.from({ length: users }, (_, i) => ({
    id: uuid(),
    email: `user-${String(i + 1).padStart(5, '0')}@generated.example`,
    name: `User ${i + 1}`,
    siteRole: random() < 0.005 ? 'MANAGER' : 'MEMBER',
    createdAt: now - between(1, 365) * DAY,
  }));
  const memberships = [];
  const membersByOrg = new Map(orgs.map((o) => [o.id, []]));
  const orgsByUser = new Map();
  for (const [i, user] of userRows.entries()) {
    const count = organizations === 0 ? 0 : Math.min(organizations, pick([1, 1, 1, 2, 2, 3]));
    const chosen = new Set(count > 0 ? [orgs[i % organizations]] : []);
    while (chosen.size < count) chosen.add(pick(orgs));
    orgsByUser.set(user.id, [...chosen]);
    for (const org of chosen) {
      memberships.push({
        userId: user.id,
        organizationId: org.id,
        role: random() < 0.1 ? 'ADMIN' : 'MEMBER',
        createdAt: Math.max(user.createdAt, org.createdAt),
      });
      membersByOrg.get(org.id).push(user);
    }
  }

  // --- Providers: status mix, cordons, a few broad ones, one default. ---
  // One provider in every hundred is broad, spread out so that every page of the list holds one.
  const broadEvery = Math.max(1, Math.min(100, Math.floor(providers / 2)));
  const providerRows = Array.from({ length: providers }, (_, i) => {
    const region = REGIONS[i % REGIONS.length];
    const roll = random();
    const broad = i % broadEvery === 0;
    // Broad providers are the shared, well-kept ones: always READY, so one can be the default.
    const status = broad ? 'READY' : roll < 0.85 ? 'READY' : roll < 0.92 ? 'PENDING' : 'ERROR';
    const name = `k8s-${String(i + 1).padStart(5, '0')}-${region}`;
    const createdAt = now - between(2, 300) * DAY - int(DAY);
    const connected = status !== 'PENDING';
    const cordoned = connected && !broad && random() < 0.05;
    return {
      id: uuid(),
      name,
      displayName: `${region} cluster ${i + 1}`,
      region,
      status,
      statusMessage: status === 'ERROR' ? pick(MESSAGES.ERROR) : MESSAGES[status],
      isDefault: i === 0,
      cordoned,
      cordonReason: cordoned
        ? pick(['Maintenance window.', 'Draining for a Kubernetes upgrade.', 'Full.'])
        : null,
      clusterAddress: `https://${name}.k8s.example.com:6443`,
      namespace: pick(['workspaces', 'outpost-workspaces', 'dev-envs']),
      accessUrl: connected ? `https://${name}.workspaces.example.com` : null,
      agentVersion: connected ? pick(['0.1.0', '0.1.0', '0.1.0', '0.0.9']) : null,
      kubernetesVersion: connected ? pick(['v1.29.4', 'v1.30.2', 'v1.31.1']) : null,
      nodeSummary: connected
        ? JSON.stringify({
            nodeCount: between(1, 40),
            cpuMillicores: between(4, 400) * 1000,
            memoryBytes: String(between(16, 1600) * 2 ** 30),
          })
        : null,
      checkResults: connected
        ? JSON.stringify([
            { name: 'kubernetes', passed: true, message: 'Cluster API reachable.' },
            {
              name: 'namespace',
              passed: status === 'READY',
              message: status === 'READY' ? 'Exists.' : 'Missing.',
            },
            { name: 'rbac', passed: true, message: 'The agent has the permissions it needs.' },
          ])
        : null,
      protocolVersion: connected ? 1 : null,
      chartVersion: connected ? '0.1.0' : null,
      // READY agents heartbeat every few seconds; an ERROR one went silent or failed a check a while ago.
      lastHeartbeatAt: status === 'READY' ? now - int(5000) : connected ? now - between(1, 72) * HOUR : null,
      createdAt,
      broad,
    };
  });

  // --- Status events: one chain per provider; PENDING ones only have their first event. ---
  const eventCounts = providerRows.map(() => 1);
  const connectedIdx = providerRows.flatMap((p, i) => (p.status === 'PENDING' ? [] : [i]));
  // Skewed: some providers flap a lot, most change rarely (weights random()^3).
  const weights = connectedIdx.map(() => random() ** 3 + 0.01);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  let remaining = Math.max(0, statusEvents - providers);
  // Connected providers need at least PENDING → first status.
  for (const i of connectedIdx) {
    if (remaining === 0) break;
    eventCounts[i]++;
    remaining--;
  }
  const extra = remaining;
  connectedIdx.forEach((i, k) => {
    const share = Math.floor((extra * weights[k]) / weightSum);
    eventCounts[i] += share;
    remaining -= share;
  });
  for (let k = 0; remaining > 0 && connectedIdx.length > 0; k++, remaining--) {
    eventCounts[connectedIdx[k % connectedIdx.length]]++;
  }
  const events = [];
  for (const [i, p] of providerRows.entries()) {
    const count = eventCounts[i];
    const span = Math.max(1, now - p.createdAt - HOUR);
    const step = span / count;
    let from = null;
    for (let k = 0; k < count; k++) {
      // The chain alternates READY/ERROR backwards from the current status.
      const other = p.status === 'READY' ? 'ERROR' : 'READY';
      const to = k === 0 ? 'PENDING' : (count - 1 - k) % 2 === 0 ? p.status : other;
      const at = Math.round(p.createdAt + k * step + int(Math.max(1, step / 2)));
      const message =
        to === 'PENDING' ? 'Registered.' : to === 'READY' ? MESSAGES.READY : pick(MESSAGES.ERROR);
      events.push({ id: uuid(), providerId: p.id, from, to, message, at });
      from = to;
    }
    p.statusChangedAt = events.at(-1).at;
    p.lastReportAt = p.status === 'PENDING' ? null : p.statusChangedAt;
  }

  // --- Allowlists: regional for each provider, broad for a few, everything for the default. ---
  const allowlist = new Map(providerRows.map((p) => [p.id, new Set()]));
  for (const p of providerRows) {
    const regional = orgsByRegion.get(p.region);
    const targets = p.broad
      ? sample(orgs, p.isDefault ? orgs.length : Math.ceil(orgs.length * (0.5 + random() * 0.5)))
      : sample(regional, between(0, 3));
    for (const o of targets) allowlist.get(p.id).add(o.id);
  }
  const allowedByOrg = new Map(orgs.map((o) => [o.id, []]));
  for (const p of providerRows) for (const orgId of allowlist.get(p.id)) allowedByOrg.get(orgId).push(p);

  // --- Workspaces: owner in the org, provider allowlisting the org and connected at some point. ---
  const workspaceRows = [];
  const usersWithOrgs = userRows.filter((u) => orgsByUser.get(u.id).length > 0);
  // Every organization may use the default (a READY provider), so a candidate always exists when providers do.
  for (let i = 0; i < workspaces && usersWithOrgs.length > 0 && providers > 0; i++) {
    const owner = pick(usersWithOrgs);
    const org = pick(orgsByUser.get(owner.id));
    const candidates = allowedByOrg.get(org.id).filter((p) => p.status !== 'PENDING');
    if (candidates.length === 0) {
      i--;
      continue;
    }
    const provider = pick(candidates);
    const roll = random();
    const desiredState = roll < 0.8 ? 'RUNNING' : roll < 0.95 ? 'STOPPED' : 'DELETED';
    const createdAt = Math.max(provider.createdAt, owner.createdAt) + int(DAY);
    workspaceRows.push({
      id: uuid(),
      name: `ws-${String(i + 1).padStart(6, '0')}`,
      ownerId: owner.id,
      organizationId: org.id,
      providerId: provider.id,
      desiredState,
      observedPhase:
        provider.status === 'READY'
          ? { RUNNING: 'Running', STOPPED: 'Stopped', DELETED: null }[desiredState]
          : 'Unknown',
      createdAt: Math.min(createdAt, now - HOUR),
    });
  }

  const entries = providerRows.flatMap((p) =>
    [...allowlist.get(p.id)].map((organizationId) => ({ providerId: p.id, organizationId, at: p.createdAt })),
  );

  // --- Write it all in one transaction. ---
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const insert = async (table, columns, rows, toValues) => {
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      const arrays = columns.map(() => []);
      for (const row of batch) toValues(row).forEach((v, c) => arrays[c].push(v));
      const names = columns.map(([name]) => name).join(', ');
      const unnest = columns.map(([, type], c) => `$${c + 1}::${type}[]`).join(', ');
      await client.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest})`, arrays);
    }
  };
  try {
    await client.query('BEGIN');
    await insert(
      'organizations',
      [
        ['id', 'uuid'],
        ['name', 'text'],
        ['slug', 'text'],
        ['created_at', 'timestamptz'],
        ['updated_at', 'timestamptz'],
      ],
      orgs,
      (o) => [o.id, o.name, o.slug, iso(o.createdAt), iso(o.createdAt)],
    );
    await insert(
      'users',
      [
        ['id', 'uuid'],
        ['email', 'text'],
        ['name', 'text'],
        ['password_hash', 'text'],
        ['site_role', '"SiteRole"'],
        ['created_at', 'timestamptz'],
        ['updated_at', 'timestamptz'],
      ],
      userRows,
      (u) => [u.id, u.email, u.name, passwordHash, u.siteRole, iso(u.createdAt), iso(u.createdAt)],
    );
    await insert(
      'memberships',
      [
        ['user_id', 'uuid'],
        ['organization_id', 'uuid'],
        ['role', '"OrganizationRole"'],
        ['created_at', 'timestamptz'],
      ],
      memberships,
      (m) => [m.userId, m.organizationId, m.role, iso(m.createdAt)],
    );
    // Rule 2: exactly one default. The server may already have made `built-in` the default at first start.
    await client.query('UPDATE workspace_providers SET is_default = false WHERE is_default');
    await insert(
      'workspace_providers',
      [
        ['id', 'uuid'],
        ['name', 'text'],
        ['display_name', 'text'],
        ['region', 'text'],
        ['status', '"ProviderStatus"'],
        ['status_message', 'text'],
        ['status_changed_at', 'timestamptz'],
        ['last_heartbeat_at', 'timestamptz'],
        ['is_default', 'boolean'],
        ['cordoned', 'boolean'],
        ['cordon_reason', 'text'],
        ['cluster_address', 'text'],
        ['namespace', 'text'],
        ['access_url', 'text'],
        ['agent_version', 'text'],
        ['kubernetes_version', 'text'],
        ['node_summary', 'jsonb'],
        ['check_results', 'jsonb'],
        ['agent_protocol_version', 'int'],
        ['chart_version', 'text'],
        ['last_report_at', 'timestamptz'],
        ['created_at', 'timestamptz'],
        ['updated_at', 'timestamptz'],
      ],
      providerRows,
      (p) => [
        p.id,
        p.name,
        p.displayName,
        p.region,
        p.status,
        p.statusMessage,
        iso(p.statusChangedAt),
        p.lastHeartbeatAt === null ? null : iso(p.lastHeartbeatAt),
        p.isDefault,
        p.cordoned,
        p.cordonReason,
        p.clusterAddress,
        p.namespace,
        p.accessUrl,
        p.agentVersion,
        p.kubernetesVersion,
        p.nodeSummary,
        p.checkResults,
        p.protocolVersion,
        p.chartVersion,
        p.lastReportAt === null ? null : iso(p.lastReportAt),
        iso(p.createdAt),
        iso(p.statusChangedAt),
      ],
    );
    // Rule 1 and 3: `built-in` exists (unless the server created it already) and allowlists every organization.
    await client.query(
      `INSERT INTO workspace_providers (id, name, display_name, region, kind, namespace, status_message, updated_at)
       VALUES ($1, 'built-in', 'Built-in', 'local', 'BUILT_IN', 'outpost-workspaces',
               'Waiting for the built-in agent to connect.', now())
       ON CONFLICT (name) DO NOTHING`,
      [uuid()],
    );
    await client.query(
      `INSERT INTO provider_status_events (id, provider_id, to_status, message)
       SELECT gen_random_uuid(), p.id, 'PENDING', 'Created at first start.' FROM workspace_providers p
       WHERE p.name = 'built-in' AND NOT EXISTS (SELECT 1 FROM provider_status_events e WHERE e.provider_id = p.id)`,
    );
    await client.query(
      `INSERT INTO provider_allowlist_entries (provider_id, organization_id)
       SELECT p.id, o.id FROM workspace_providers p CROSS JOIN organizations o WHERE p.name = 'built-in'
       ON CONFLICT DO NOTHING`,
    );
    await insert(
      'provider_allowlist_entries',
      [
        ['provider_id', 'uuid'],
        ['organization_id', 'uuid'],
        ['created_at', 'timestamptz'],
      ],
      entries,
      (e) => [e.providerId, e.organizationId, iso(e.at)],
    );
    await insert(
      'provider_status_events',
      [
        ['id', 'uuid'],
        ['provider_id', 'uuid'],
        ['from_status', '"ProviderStatus"'],
        ['to_status', '"ProviderStatus"'],
        ['message', 'text'],
        ['at', 'timestamptz'],
      ],
      events,
      (e) => [e.id, e.providerId, e.from, e.to, e.message, iso(e.at)],
    );
    await insert(
      'workspaces',
      [
        ['id', 'uuid'],
        ['name', 'text'],
        ['owner_id', 'uuid'],
        ['organization_id', 'uuid'],
        ['provider_id', 'uuid'],
        ['desired_state', '"WorkspaceDesiredState"'],
        ['observed_phase', 'text'],
        ['created_at', 'timestamptz'],
        ['updated_at', 'timestamptz'],
      ],
      workspaceRows,
      (w) => [
        w.id,
        w.name,
        w.ownerId,
        w.organizationId,
        w.providerId,
        w.desiredState,
        w.observedPhase,
        iso(w.createdAt),
        iso(w.createdAt),
      ],
    );
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return {
    organizations: orgs.length,
    users: userRows.length,
    memberships: memberships.length,
    providers: providerRows.length,
    providersByStatus: Object.fromEntries(
      ['READY', 'PENDING', 'ERROR'].map((s) => [s, providerRows.filter((p) => p.status === s).length]),
    ),
    cordoned: providerRows.filter((p) => p.cordoned).length,
    broadlyAllowlisted: providerRows.filter((p) => p.broad).length,
    allowlistEntries: entries.length,
    statusEvents: events.length,
    workspaces: workspaceRows.length,
  };
}

// CLI: `node bench/data/generate.mjs --database-url … --providers 1000 …`
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = Object.fromEntries(
    process.argv
      .slice(2)
      .reduce(
        (pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs),
        [],
      ),
  );
  const databaseUrl = options['database-url'] ?? process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error(
      'usage: node bench/data/generate.mjs --database-url postgres://… [--seed 1] [--providers 1000] …',
    );
    process.exit(2);
  }
  const number = (name) => (options[name] === undefined ? undefined : Number(options[name]));
  const started = Date.now();
  const counts = await generateData(databaseUrl, {
    seed: number('seed'),
    providers: number('providers'),
    organizations: number('organizations'),
    users: number('users'),
    workspaces: number('workspaces'),
    statusEvents: number('status-events'),
  });
  console.log(JSON.stringify({ ...counts, seconds: (Date.now() - started) / 1000 }, null, 2));
}

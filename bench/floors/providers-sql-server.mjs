#!/usr/bin/env node
// Floor (a) of bench/providers-list.mjs: the providers page the benchmark asks Outpost for, read with
// hand-written SQL through a `pg` pool and serialized with JSON.stringify by a bare `node:http` server.
// Same rows, same fields and the same response shape as the GraphQL query, without GraphQL, Prisma,
// authentication or any framework: what reading and sending this data costs at the least in Node.
//
//   DATABASE_URL=postgres://… PORT=0 node bench/floors/providers-sql-server.mjs
//
// Prints `listening on http://127.0.0.1:<port>/`. POST a body like the GraphQL request
// (`{"variables":{"first":100}}`); GET serves the first 100.
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
pool.on('error', () => undefined);

const cursor = (name) => Buffer.from(name, 'utf8').toString('base64url');

async function page(first) {
  const [rows, total] = await Promise.all([
    pool.query(
      `SELECT id, name, display_name, region, status, status_message, status_changed_at, is_default,
              cordoned, cordon_reason, last_heartbeat_at
       FROM workspace_providers ORDER BY name LIMIT $1`,
      [first + 1],
    ),
    pool.query('SELECT count(*)::int AS n FROM workspace_providers'),
  ]);
  const providers = rows.rows.slice(0, first);
  const ids = providers.map((p) => p.id);
  // The nested data for the whole page, three statements in parallel; history takes each provider's
  // newest five straight from the (provider_id, at DESC) index.
  const [allowlist, counts, history] = await Promise.all([
    pool.query(
      `SELECT e.provider_id, o.id, o.name, o.slug
       FROM provider_allowlist_entries e JOIN organizations o ON o.id = e.organization_id
       WHERE e.provider_id = ANY($1::uuid[]) ORDER BY o.name`,
      [ids],
    ),
    pool.query(
      `SELECT provider_id, organization_id, count(*)::int AS n FROM workspaces
       WHERE provider_id = ANY($1::uuid[]) AND desired_state <> 'DELETED'
       GROUP BY provider_id, organization_id`,
      [ids],
    ),
    pool.query(
      `SELECT p.id AS provider_id, e.id, e.from_status, e.to_status, e.message, e.at
       FROM unnest($1::uuid[]) AS p(id) CROSS JOIN LATERAL (
         SELECT id, from_status, to_status, message, at FROM provider_status_events
         WHERE provider_id = p.id ORDER BY at DESC, id DESC LIMIT 5) e`,
      [ids],
    ),
  ]);
  const group = (list) => {
    const map = new Map(ids.map((id) => [id, []]));
    for (const row of list) map.get(row.provider_id).push(row);
    return map;
  };
  const allowByProvider = group(allowlist.rows);
  const countsByProvider = group(counts.rows);
  const historyByProvider = group(history.rows);
  return {
    data: {
      workspaceProviders: {
        totalCount: total.rows[0].n,
        pageInfo: {
          hasNextPage: rows.rows.length > first,
          endCursor: providers.length > 0 ? cursor(providers.at(-1).name) : null,
        },
        edges: providers.map((p) => {
          const perOrg = countsByProvider.get(p.id);
          return {
            cursor: cursor(p.name),
            node: {
              id: p.id,
              name: p.name,
              displayName: p.display_name,
              region: p.region,
              status: p.status,
              statusMessage: p.status_message,
              statusChangedAt: p.status_changed_at,
              isDefault: p.is_default,
              cordoned: p.cordoned,
              cordonReason: p.cordon_reason,
              lastHeartbeatAt: p.last_heartbeat_at,
              workspaceCount: perOrg.reduce((sum, c) => sum + c.n, 0),
              allowedOrganizations: allowByProvider
                .get(p.id)
                .map((o) => ({ id: o.id, name: o.name, slug: o.slug })),
              workspaceCountsByOrganization: perOrg.map((c) => ({
                count: c.n,
                organization: { id: c.organization_id },
              })),
              statusHistory: historyByProvider.get(p.id).map((e) => ({
                id: e.id,
                fromStatus: e.from_status,
                toStatus: e.to_status,
                message: e.message,
                at: e.at,
              })),
            },
          };
        }),
      },
    },
  };
}

const server = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', async () => {
    try {
      const first = body ? Number(JSON.parse(body).variables?.first ?? 100) : 100;
      const json = JSON.stringify(await page(first));
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(json),
      });
      response.end(json);
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(String(error));
    }
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    pool.end().finally(() => process.exit(0));
  });
}

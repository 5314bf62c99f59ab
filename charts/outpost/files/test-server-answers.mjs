// `helm test` of outpost (templates/tests/server-answers.yaml), run as `node --input-type=module -e`.
// Checks that the installed server answers through its Service, as agents, the CLI and browsers reach
// it: GET /healthz (the server and its database) and a GraphQL POST of `{ __typename }` to /graphql.
// Retries until TIMEOUT_SECONDS, so it also passes right after an install without --wait.
/* global AbortSignal */
const base = process.env.OUTPOST_URL;
const timeoutMs = Number(process.env.TIMEOUT_SECONDS || 120) * 1000;

async function check() {
  const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10_000) });
  if (health.status !== 200)
    throw new Error(`GET ${base}/healthz: HTTP ${health.status} ${await health.text()}`);
  const graphql = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await graphql.text();
  if (graphql.status !== 200 || JSON.parse(text).data?.__typename !== 'Query')
    throw new Error(`POST ${base}/graphql { __typename }: HTTP ${graphql.status} ${text.slice(0, 300)}`);
}

const deadline = Date.now() + timeoutMs;
let reason;
for (;;) {
  try {
    await check();
    console.log(`server answers at ${base}: /healthz ok, /graphql { __typename } = Query`);
    process.exit(0);
  } catch (error) {
    reason = error.cause ? `${error.message}: ${error.cause.message ?? error.cause}` : error.message;
  }
  if (Date.now() >= deadline) break;
  console.log(`waiting: ${reason}`);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
}
console.error(`server does not answer: ${reason}`);
process.exit(1);

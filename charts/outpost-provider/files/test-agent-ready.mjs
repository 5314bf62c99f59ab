// `helm test` of outpost-provider (templates/tests/agent-ready.yaml), run as `node --input-type=module -e`.
// Waits until the agent's Deployment is ready. The agent's readiness probe passes only while the server
// acknowledges it (the health file, apps/agent/src/health-file.ts), so a ready Deployment means the
// agent registered, is connected, and its heartbeats are answered. The Deployment is read through the
// Kubernetes API with this pod's ServiceAccount, which may `get` that one Deployment and nothing else.
import { readFileSync } from 'node:fs';
import https from 'node:https';

const {
  KUBERNETES_SERVICE_HOST: apiHost,
  KUBERNETES_SERVICE_PORT: apiPort,
  DEPLOYMENT: deployment,
  NAMESPACE: namespace,
} = process.env;
const serviceAccountDir = process.env.SERVICE_ACCOUNT_DIR || '/var/run/secrets/kubernetes.io/serviceaccount';
const timeoutMs = Number(process.env.TIMEOUT_SECONDS || 120) * 1000;
const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${deployment}`;

class Refused extends Error {}

function readDeployment() {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: apiHost,
        port: apiPort,
        path,
        timeout: 10_000,
        // Read each time: the projected token is rotated while the pod runs.
        ca: readFileSync(`${serviceAccountDir}/ca.crt`),
        headers: { authorization: `Bearer ${readFileSync(`${serviceAccountDir}/token`, 'utf8').trim()}` },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => {
          if (response.statusCode === 200) return resolve(JSON.parse(body));
          const message = `GET ${path}: HTTP ${response.statusCode} ${body.slice(0, 300)}`;
          // Forbidden or missing does not change by waiting: say so at once.
          reject(
            response.statusCode === 403 || response.statusCode === 404
              ? new Refused(message)
              : new Error(message),
          );
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    request.on('error', reject);
    request.end();
  });
}

/** Why the Deployment is not ready yet, or null when it is. */
function notReady({ metadata, spec, status = {} }) {
  const wanted = spec.replicas ?? 1;
  if ((status.observedGeneration ?? 0) < metadata.generation)
    return 'the Deployment controller has not acted on its latest spec yet';
  if ((status.updatedReplicas ?? 0) < wanted)
    return `${status.updatedReplicas ?? 0} of ${wanted} agent pods updated`;
  if ((status.readyReplicas ?? 0) < wanted)
    return `${status.readyReplicas ?? 0} of ${wanted} agent pods ready: the server has not acknowledged the agent (see kubectl -n ${namespace} logs deployment/${deployment})`;
  return null;
}

const deadline = Date.now() + timeoutMs;
let reason;
for (;;) {
  try {
    reason = notReady(await readDeployment());
    if (reason === null) {
      console.log(`agent ready: Deployment ${namespace}/${deployment} has all its pods ready`);
      process.exit(0);
    }
  } catch (error) {
    reason = error.message;
    if (error instanceof Refused) break;
  }
  if (Date.now() >= deadline) break;
  console.log(`waiting: ${reason}`);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
}
console.error(`agent not ready: ${reason}`);
process.exit(1);

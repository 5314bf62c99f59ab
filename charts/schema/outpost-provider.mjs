// The values of charts/outpost-provider (values.yaml says the same for readers of that file).
import {
  DNS_LABEL,
  DNS_SUBDOMAIN,
  IMAGE_REFERENCE,
  SECRET_KEY,
  image,
  integer,
  object,
  optional,
  podPlacement,
  ref,
  string,
  tests,
  valuesSchema,
} from './kubernetes.mjs';

/** The agent's own rule for OUTPOST_WORKSPACE_STORAGE_SIZE (QUANTITY in apps/agent/src/config.ts). */
const STORAGE_SIZE = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$';

export const outpostProviderSchema = valuesSchema(
  'Values of the outpost-provider chart (the Outpost agent)',
  {
    server: object(
      'The Outpost server the agent connects to.',
      {
        url: string(
          'The server\u2019s URL: https://\u2026, http://\u2026, wss://\u2026 or ws://\u2026 (/graphql is added when it has no path). Required; empty renders nothing.',
          { pattern: optional('^(https?|wss?)://[^\\s/?#]+([/?#]\\S*)?$') },
        ),
      },
      ['url'],
    ),
    namespace: string(
      'The namespace the agent deploys workspaces into (and keeps its credential Secret in); empty: the release namespace.',
      { pattern: optional(DNS_LABEL) },
    ),
    registrationToken: string(
      'The one-time oprg_ registration token, best from its file: --set-file registrationToken=./NAME.registration-token. Empty after the agent stored its credential.',
      { pattern: '^\\s*(oprg_[A-Za-z0-9_-]+)?\\s*$' },
    ),
    existingSecret: string(
      'The name of an existing Secret holding the registration token under existingSecretKey (instead of registrationToken).',
      { pattern: optional(DNS_SUBDOMAIN), maxLength: 253 },
    ),
    existingSecretKey: string('The key of the registration token in the Secret.', {
      pattern: SECRET_KEY,
      maxLength: 253,
    }),
    image: image('The agent\u2019s image.', 'ghcr.io/outpost/agent'),
    imagePullSecrets: ref('imagePullSecrets'),
    heartbeatInterval: {
      type: 'number',
      description:
        'Seconds between heartbeats until the server says its own interval (OUTPOST_HEARTBEAT_INTERVAL).',
      exclusiveMinimum: 0,
      maximum: 300,
    },
    logLevel: string('How much the agent logs (OUTPOST_LOG_LEVEL).', {
      enum: ['debug', 'info', 'warn', 'error', 'silent'],
    }),
    workspace: object(
      'The defaults of every workspace the agent creates (OUTPOST_WORKSPACE_*).',
      {
        image: string('The workspace pods\u2019 image; empty: the agent\u2019s default image.', {
          pattern: optional(IMAGE_REFERENCE),
        }),
        storageClass: string(
          'The StorageClass of the workspaces\u2019 PersistentVolumeClaims; empty: the cluster\u2019s default.',
          { pattern: optional(DNS_SUBDOMAIN), maxLength: 253 },
        ),
        size: string('The size of each workspace\u2019s PersistentVolumeClaim, a quantity such as 10Gi.', {
          pattern: STORAGE_SIZE,
        }),
        nodeSelector: ref('stringMap', 'The workspace pods\u2019 nodeSelector.'),
        tolerations: ref('tolerations', 'The workspace pods\u2019 tolerations.'),
        resources: ref('resources', 'The workspace containers\u2019 requests and limits.'),
      },
      ['image', 'storageClass', 'size', 'nodeSelector', 'tolerations', 'resources'],
    ),
    probes: object(
      'The agent\u2019s probes read the health file it writes on every acknowledgement from the server.',
      {
        livenessMaxAgeSeconds: integer(
          'Restart the agent when the server has not acknowledged it for this long (after a first acknowledgement). Long on purpose: the agent reconnects by itself.',
          { minimum: 10, maximum: 86400 },
        ),
        readinessMaxAgeSeconds: integer(
          'The agent is ready while the server acknowledged it within this many seconds (acknowledgements come every heartbeat).',
          { minimum: 10, maximum: 3600 },
        ),
      },
      ['livenessMaxAgeSeconds', 'readinessMaxAgeSeconds'],
    ),
    serviceAccount: ref(
      'serviceAccount',
      'The agent\u2019s ServiceAccount (bound to the agent\u2019s Role).',
    ),
    resources: ref('resources', 'The agent container\u2019s requests and limits.'),
    ...podPlacement(),
    tests: tests(
      'The `helm test` hook: a pod that waits until the agent\u2019s Deployment is ready (its readiness probe passes only while the server acknowledges the agent), reading it through a ServiceAccount that may get only that Deployment.',
      'files/test-agent-ready.mjs',
    ),
  },
);

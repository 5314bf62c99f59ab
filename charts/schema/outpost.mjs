// The values of charts/outpost (values.yaml says the same for readers of that file).
import {
  DNS_LABEL,
  DNS_SUBDOMAIN,
  QUALIFIED_NAME,
  SECRET_KEY,
  array,
  boolean,
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

const HOSTNAME = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const HTTP_URL = '^https?://[^\\s/?#]+([/?#]\\S*)?$';

export const outpostSchema = valuesSchema('Values of the outpost chart (the Outpost control plane)', {
  image: image('The server image (with the console and the migrations).', 'ghcr.io/outpost/server'),
  imagePullSecrets: ref('imagePullSecrets'),
  replicaCount: integer(
    'Server replicas. With more than one, a PodDisruptionBudget and pod anti-affinity keep them apart.',
    { minimum: 1 },
  ),
  podDisruptionBudget: object(
    'The PodDisruptionBudget of the server pods, rendered when replicaCount is more than 1.',
    {
      enabled: boolean('Render it (with replicaCount above 1).'),
      maxUnavailable: {
        type: ['integer', 'string'],
        description:
          'How many server pods a voluntary disruption (a node drain) may take down at once: a number, or a percentage such as "50%".',
        minimum: 1,
        pattern: '^([1-9][0-9]?|100)%$',
      },
    },
    ['enabled', 'maxUnavailable'],
  ),
  podAntiAffinity: object(
    'Spreads the server pods over nodes when replicaCount is more than 1 (unless affinity sets its own podAntiAffinity).',
    {
      mode: string(
        'preferred: on different nodes when the scheduler can; required: never two on one topology domain (needs as many domains as replicas); none: no rule.',
        { enum: ['preferred', 'required', 'none'] },
      ),
      topologyKey: string('The node label whose values are the domains to spread over.', {
        pattern: QUALIFIED_NAME,
      }),
      weight: integer('With mode preferred: the rule\u2019s weight, 1 to 100.', { minimum: 1, maximum: 100 }),
    },
    ['mode', 'topologyKey', 'weight'],
  ),
  database: object(
    'The PostgreSQL the server uses: DATABASE_URL from a Secret, created from url or an existing one.',
    {
      url: string('postgresql://user:password@host:5432/database; the chart stores it in a Secret.', {
        pattern: optional('^postgres(ql)?://\\S+$'),
      }),
      existingSecret: string('An existing Secret holding the URL under existingSecretKey (instead of url).', {
        pattern: optional(DNS_SUBDOMAIN),
        maxLength: 253,
      }),
      existingSecretKey: string('The key of the URL in the Secret.', { pattern: SECRET_KEY, maxLength: 253 }),
    },
    ['url', 'existingSecret', 'existingSecretKey'],
  ),
  migrations: object(
    'The pre-install/pre-upgrade Job that applies the committed migrations before the server starts.',
    {
      enabled: boolean('Run the Job (the server also applies pending migrations when it starts).'),
      workingDir: string('The folder of prisma.config.ts in the image.', { pattern: '^/\\S*$' }),
      command: array('The migration command.', string('An argument.', { minLength: 1 }), { minItems: 1 }),
      backoffLimit: integer('Retries of the Job before the install fails.', { minimum: 0, maximum: 20 }),
      resources: ref('resources', 'The Job\u2019s requests and limits.'),
    },
    ['enabled', 'workingDir', 'command', 'backoffLimit', 'resources'],
  ),
  publicUrl: string(
    'The URL agents and the CLI reach the server at (OUTPOST_PUBLIC_URL); empty: the listen address.',
    { pattern: optional(HTTP_URL) },
  ),
  trustProxy: boolean('Trust X-Forwarded-* (behind an Ingress or another TLS proxy).'),
  heartbeatInterval: {
    type: 'number',
    description: 'Seconds between agent heartbeats (OUTPOST_HEARTBEAT_INTERVAL).',
    exclusiveMinimum: 0,
    maximum: 300,
  },
  heartbeatGrace: {
    type: 'number',
    description:
      'A READY provider silent for longer than this many seconds turns ERROR (OUTPOST_HEARTBEAT_GRACE).',
    exclusiveMinimum: 0,
    maximum: 3600,
  },
  extraEnv: array('Extra environment variables of the server, e.g. OUTPOST_ADMIN_EMAIL.', ref('envVar')),
  builtInProvider: object(
    'The built-in provider: the server runs its agent in-process, managing workspaces in one namespace.',
    {
      enabled: boolean('Run it (with the Role its agent needs).'),
      namespace: string('Its namespace; empty: outpost-workspaces.', { pattern: optional(DNS_LABEL) }),
      createNamespace: boolean('Create the namespace with the release (off when it already exists).'),
    },
    ['enabled', 'namespace', 'createNamespace'],
  ),
  serviceAccount: ref(
    'serviceAccount',
    'The server\u2019s ServiceAccount (bound to the built-in agent\u2019s Role).',
  ),
  service: object(
    'The server\u2019s Service.',
    {
      type: string('The Service type.', { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] }),
      port: integer('Its port (to the server\u2019s 4000).', { minimum: 1, maximum: 65535 }),
    },
    ['type', 'port'],
  ),
  ingress: {
    ...object(
      'An Ingress to the Service.',
      {
        enabled: boolean('Render it.'),
        className: string('The IngressClass; empty: the cluster\u2019s default.', {
          pattern: optional(DNS_SUBDOMAIN),
        }),
        annotations: ref('annotations', 'Annotations of the Ingress.'),
        hosts: array(
          'The hosts it serves, each with its paths.',
          object(
            'A host.',
            {
              host: string('The host name (a leading *. for a wildcard).', { pattern: HOSTNAME }),
              paths: array(
                'Its paths.',
                object(
                  'A path to the server.',
                  {
                    path: string('The path, starting with /.', { pattern: '^/' }),
                    pathType: string('How the path matches.', {
                      enum: ['Prefix', 'Exact', 'ImplementationSpecific'],
                    }),
                  },
                  ['path', 'pathType'],
                ),
                { minItems: 1 },
              ),
            },
            ['host', 'paths'],
          ),
        ),
        tls: array(
          'TLS: hosts and the Secret with their certificate.',
          object(
            'A certificate.',
            {
              hosts: array('Hosts the certificate covers.', string('A host.', { pattern: HOSTNAME })),
              secretName: string('The kubernetes.io/tls Secret.', { pattern: DNS_SUBDOMAIN }),
            },
            ['secretName'],
          ),
        ),
      },
      ['enabled', 'className', 'annotations', 'hosts', 'tls'],
    ),
    // An enabled Ingress without a host routes nothing.
    if: { properties: { enabled: { const: true } } },
    then: { properties: { hosts: { minItems: 1 } } },
  },
  resources: ref('resources', 'The server container\u2019s requests and limits.'),
  ...podPlacement(),
  tests: tests(
    'The `helm test` hook: a pod that checks the installed server answers through its Service (GET /healthz, and a GraphQL POST of { __typename } to /graphql).',
    'files/test-server-answers.mjs',
  ),
});

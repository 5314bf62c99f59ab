// JSON Schema (draft-07) pieces for the Kubernetes types both charts take as values: names, labels,
// quantities, resources, scheduling (nodeSelector, tolerations, affinity), env vars, images. One home
// for them, so the two charts' values.schema.json cannot drift apart (generate.mjs writes both).
//
// Every object schema closes with `additionalProperties: false`: a misspelt key (`tolerationSecond`,
// `requiredDuringScheduling…` without `IgnoredDuringExecution`) is refused by `helm install` instead of
// being dropped by the API server with at most a warning nobody reads.

/** An object schema that refuses unknown keys; `required` lists the keys that must be present. */
export function object(description, properties, required = []) {
  return {
    type: 'object',
    description,
    ...(required.length > 0 ? { required } : {}),
    properties,
    additionalProperties: false,
  };
}

export function string(description, extra = {}) {
  return { type: 'string', description, ...extra };
}

export function boolean(description) {
  return { type: 'boolean', description };
}

export function integer(description, extra = {}) {
  return { type: 'integer', description, ...extra };
}

export function array(description, items, extra = {}) {
  return { type: 'array', description, items, ...extra };
}

/** A string that is either empty ("use the default") or matches `pattern`. */
export function optional(pattern) {
  return `^(${pattern.replace(/^\^|\$$/g, '')})?$`;
}

// The name rules of Kubernetes (apimachinery's validation package).
export const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** Label and annotation keys, resource names: an optional DNS-subdomain prefix and a name. */
export const QUALIFIED_NAME =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
export const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$';
/** A key of a Secret's data (also a file name where the Secret is mounted). */
export const SECRET_KEY = '^[-._a-zA-Z0-9]+$';
/** A resource quantity (`100m`, `1`, `0.5`, `256Mi`, `1e3`); never negative. */
export const QUANTITY =
  '^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$';
/** An image repository: lowercase host and path, a registry port allowed, no tag (that is `tag`). */
export const IMAGE_REPOSITORY = '^[a-z0-9][^\\s:@]*(:[0-9]+/[^\\s:@]+)?$';
/** An image tag, optionally pinned to a digest (`1.2.3@sha256:…`). */
export const IMAGE_TAG = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[a-f0-9]{64})?$';
/** An image reference: no spaces, no scheme; the registry, path and tag are for the registry to judge. */
export const IMAGE_REFERENCE =
  '^[a-z0-9][^\\s:/]*(:[0-9]+)?(/[^\\s:/]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$';

const labelSelectorRequirement = object(
  'A label selector requirement.',
  {
    key: string('The label key.', { pattern: QUALIFIED_NAME }),
    operator: string('How the key relates to the values.', {
      enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
    }),
    values: array('Label values (empty with Exists and DoesNotExist).', string('A label value.')),
  },
  ['key', 'operator'],
);

const nodeSelectorRequirement = object(
  'A node selector requirement.',
  {
    key: string('The label key (or field name with matchFields).', { minLength: 1 }),
    operator: string('How the key relates to the values.', {
      enum: ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'],
    }),
    values: array(
      'Values (one integer as a string with Gt and Lt; none with Exists and DoesNotExist).',
      string('A value.'),
    ),
  },
  ['key', 'operator'],
);

/** A key of a Secret or ConfigMap, as an env var's valueFrom names it. */
function keyRef(kind) {
  return object(
    `A key of a ${kind} in the release namespace.`,
    {
      name: string(`The ${kind}\u2019s name.`, { pattern: DNS_SUBDOMAIN }),
      key: string('The key.', { pattern: SECRET_KEY }),
      optional: boolean(`Start even when the ${kind} or key is missing.`),
    },
    ['name', 'key'],
  );
}

/** The `definitions` the charts' schemas refer to with `ref(name)`. */
export const definitions = {
  stringMap: {
    type: 'object',
    description: 'Labels: label keys to string values (quote numbers and booleans: "true", "1").',
    propertyNames: { pattern: QUALIFIED_NAME },
    additionalProperties: { type: 'string', pattern: LABEL_VALUE, maxLength: 63 },
  },
  annotations: {
    type: 'object',
    description: 'Annotations: keys to string values (quote numbers and booleans: "true", "1").',
    propertyNames: { pattern: QUALIFIED_NAME },
    additionalProperties: { type: 'string' },
  },
  quantity: {
    type: ['string', 'number'],
    description: 'A resource quantity such as 100m, 0.5, 256Mi or 10Gi.',
    pattern: QUANTITY,
    minimum: 0,
  },
  resources: object('Container resource requests and limits (as in a container spec).', {
    requests: {
      type: 'object',
      description: 'What the scheduler reserves, e.g. cpu: 100m, memory: 256Mi.',
      propertyNames: { pattern: QUALIFIED_NAME },
      additionalProperties: { $ref: '#/definitions/quantity' },
    },
    limits: {
      type: 'object',
      description: 'The most the container may use, e.g. cpu: "1", memory: 512Mi.',
      propertyNames: { pattern: QUALIFIED_NAME },
      additionalProperties: { $ref: '#/definitions/quantity' },
    },
  }),
  toleration: object('A toleration (as in a pod spec).', {
    key: string('The taint key; empty with operator Exists: every taint.', {
      pattern: optional(QUALIFIED_NAME),
    }),
    operator: string('Equal (default) compares value; Exists matches any value.', {
      enum: ['Exists', 'Equal'],
    }),
    value: string('The taint value (with operator Equal).'),
    effect: string('The taint effect; empty: every effect.', {
      enum: ['', 'NoSchedule', 'PreferNoSchedule', 'NoExecute'],
    }),
    tolerationSeconds: integer('With NoExecute: how long the pod stays bound after the taint appears.'),
  }),
  tolerations: array('Tolerations (as in a pod spec).', { $ref: '#/definitions/toleration' }),
  nodeSelectorTerm: object('Node selector requirements, all of which must hold.', {
    matchExpressions: array('Requirements on node labels.', nodeSelectorRequirement),
    matchFields: array('Requirements on node fields.', nodeSelectorRequirement),
  }),
  labelSelector: object('A label selector.', {
    matchLabels: { $ref: '#/definitions/stringMap' },
    matchExpressions: array('Requirements, all of which must hold.', labelSelectorRequirement),
  }),
  podAffinityTerm: object(
    'Pods (matched by labelSelector in namespaces) that must, or must not, share a topology domain.',
    {
      labelSelector: { $ref: '#/definitions/labelSelector' },
      namespaceSelector: { $ref: '#/definitions/labelSelector' },
      namespaces: array(
        'Namespaces of the pods (empty: the pod\u2019s own).',
        string('A namespace.', { pattern: DNS_LABEL }),
      ),
      topologyKey: string('The node label whose value is the domain, e.g. kubernetes.io/hostname.', {
        pattern: QUALIFIED_NAME,
      }),
      matchLabelKeys: array(
        'Label keys of the incoming pod merged into labelSelector.',
        string('A label key.'),
      ),
      mismatchLabelKeys: array(
        'Label keys of the incoming pod merged into labelSelector as NotIn.',
        string('A label key.'),
      ),
    },
    ['topologyKey'],
  ),
  podAffinity: object('Pod (anti-)affinity rules.', {
    requiredDuringSchedulingIgnoredDuringExecution: array('Terms that must hold.', {
      $ref: '#/definitions/podAffinityTerm',
    }),
    preferredDuringSchedulingIgnoredDuringExecution: array(
      'Terms the scheduler prefers, by weight.',
      object(
        'A weighted pod affinity term.',
        {
          weight: integer('1 to 100: how much the scheduler prefers this term.', {
            minimum: 1,
            maximum: 100,
          }),
          podAffinityTerm: { $ref: '#/definitions/podAffinityTerm' },
        },
        ['weight', 'podAffinityTerm'],
      ),
    ),
  }),
  affinity: object('Scheduling constraints (as in a pod spec).', {
    nodeAffinity: object('Which nodes the pods may or prefer to run on.', {
      requiredDuringSchedulingIgnoredDuringExecution: object(
        'Nodes must match one of these terms.',
        {
          nodeSelectorTerms: array(
            'The terms (any one).',
            { $ref: '#/definitions/nodeSelectorTerm' },
            { minItems: 1 },
          ),
        },
        ['nodeSelectorTerms'],
      ),
      preferredDuringSchedulingIgnoredDuringExecution: array(
        'Terms the scheduler prefers, by weight.',
        object(
          'A weighted node selector term.',
          {
            weight: integer('1 to 100: how much the scheduler prefers this term.', {
              minimum: 1,
              maximum: 100,
            }),
            preference: { $ref: '#/definitions/nodeSelectorTerm' },
          },
          ['weight', 'preference'],
        ),
      ),
    }),
    podAffinity: { $ref: '#/definitions/podAffinity' },
    podAntiAffinity: { $ref: '#/definitions/podAffinity' },
  }),
  imagePullSecrets: array(
    'Secrets with registry credentials (as in a pod spec).',
    object(
      'A Secret of type kubernetes.io/dockerconfigjson.',
      { name: string('The Secret\u2019s name.', { pattern: DNS_SUBDOMAIN }) },
      ['name'],
    ),
  ),
  pullPolicy: string('When the kubelet pulls the image.', { enum: ['Always', 'IfNotPresent', 'Never'] }),
  serviceAccount: object(
    'The ServiceAccount the pods run as.',
    {
      name: string('Its name; empty: the release\u2019s full name.', {
        pattern: optional(DNS_SUBDOMAIN),
        maxLength: 253,
      }),
      annotations: { $ref: '#/definitions/annotations' },
    },
    ['name', 'annotations'],
  ),
  envVar: object(
    'An environment variable (as in a container spec): a value, or valueFrom a Secret, ConfigMap or field.',
    {
      name: string('The variable\u2019s name.', { pattern: '^[-._a-zA-Z][-._a-zA-Z0-9]*$' }),
      value: string('Its value (quote numbers and booleans: "true", "1").'),
      valueFrom: object('Where its value comes from.', {
        secretKeyRef: keyRef('Secret'),
        configMapKeyRef: keyRef('ConfigMap'),
        fieldRef: object(
          'A field of the pod, e.g. metadata.name.',
          { apiVersion: string('Default v1.'), fieldPath: string('The field path.', { minLength: 1 }) },
          ['fieldPath'],
        ),
        resourceFieldRef: object(
          'A resource request or limit of a container, e.g. limits.memory.',
          {
            containerName: string('The container (default: this one).'),
            resource: string('The resource, e.g. limits.memory.', { minLength: 1 }),
            divisor: { $ref: '#/definitions/quantity' },
          },
          ['resource'],
        ),
      }),
    },
    ['name'],
  ),
};

/** Refers to one of `definitions`; `description` says what this use of it means. */
export function ref(name, description) {
  if (!definitions[name]) throw new Error(`no definition ${name}`);
  return { $ref: `#/definitions/${name}`, ...(description ? { description } : {}) };
}

/** The values every pod of the charts takes: scheduling and annotations. */
export function podPlacement() {
  return {
    podAnnotations: ref('annotations', 'Annotations of the pods.'),
    nodeSelector: ref('stringMap', 'The pods\u2019 nodeSelector.'),
    tolerations: ref('tolerations', 'The pods\u2019 tolerations.'),
    affinity: ref('affinity', 'The pods\u2019 affinity.'),
  };
}

/** The image of a chart's main container (`repository` and `tag`; an empty tag is the chart's appVersion). */
export function image(description, repositoryDefault) {
  return object(
    description,
    {
      repository: string(`The image repository (default ${repositoryDefault}).`, {
        minLength: 1,
        pattern: IMAGE_REPOSITORY,
      }),
      tag: string(
        'The tag; empty: the chart\u2019s appVersion. A string: --set-string image.tag=24 for a numeric one.',
        { pattern: optional(IMAGE_TAG) },
      ),
      pullPolicy: ref('pullPolicy'),
    },
    ['repository', 'tag', 'pullPolicy'],
  );
}

/** The image and resources of a chart's `helm test` pod; the image defaults to the chart's own. */
export function tests(description, script) {
  return object(
    description,
    {
      enabled: boolean('Render the `helm test` hook.'),
      image: {
        ...object(
          `The test pod's image; it must have Node.js 18 or newer as \`node\` (it runs ${script}). Empty repository: the chart's own image.`,
          {
            repository: string('The image repository; empty: the chart\u2019s image.', {
              pattern: optional(IMAGE_REPOSITORY),
            }),
            tag: string('The tag; empty: the chart\u2019s image tag (required with a repository).', {
              pattern: optional(IMAGE_TAG),
            }),
            pullPolicy: ref('pullPolicy'),
          },
          ['repository', 'tag', 'pullPolicy'],
        ),
        // Another image has no tag of ours to fall back on.
        if: { properties: { repository: { minLength: 1 } } },
        then: { properties: { tag: { minLength: 1 } } },
      },
      timeoutSeconds: integer('How long the test retries before it fails.', { minimum: 1, maximum: 3600 }),
      resources: ref('resources', 'The test pod\u2019s requests and limits.'),
    },
    ['enabled', 'image', 'timeoutSeconds', 'resources'],
  );
}

/** A chart's values.schema.json: `properties` at the top, with the definitions it refers to. */
export function valuesSchema(title, properties) {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title,
    type: 'object',
    required: Object.keys(properties),
    properties: {
      ...properties,
      // Helm passes a parent chart's `global` values to every chart; this chart uses none of them.
      global: { type: 'object', description: 'Helm\u2019s global values (unused by this chart).' },
    },
    additionalProperties: false,
    definitions: usedDefinitions(properties),
  };
}

/** The definitions `schema` refers to, directly or through other definitions. */
function usedDefinitions(schema) {
  const used = {};
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const name = typeof node.$ref === 'string' ? node.$ref.replace('#/definitions/', '') : undefined;
    if (name && !used[name]) {
      used[name] = definitions[name];
      visit(definitions[name]);
    }
    Object.values(node).forEach(visit);
  };
  visit(schema);
  return Object.fromEntries(
    Object.keys(definitions)
      .filter((name) => used[name])
      .map((name) => [name, used[name]]),
  );
}

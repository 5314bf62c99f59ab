import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface KubeconfigInput {
  /** Cluster and context name. */
  name: string;
  server: string;
  caCertPem: string;
  userName: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  namespace?: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
// JSON strings are valid YAML scalars: no YAML library needed and nothing needs escaping by hand.
const q = (text: string) => JSON.stringify(text);

/** A kubeconfig with one cluster, one user and one (current) context, as YAML. */
export function buildKubeconfig(input: KubeconfigInput): string {
  const user = [
    ...(input.clientCertPem ? [`    client-certificate-data: ${b64(input.clientCertPem)}`] : []),
    ...(input.clientKeyPem ? [`    client-key-data: ${b64(input.clientKeyPem)}`] : []),
    ...(input.token ? [`    token: ${q(input.token)}`] : []),
  ];
  return [
    'apiVersion: v1',
    'kind: Config',
    'preferences: {}',
    'clusters:',
    `- name: ${q(input.name)}`,
    '  cluster:',
    `    server: ${q(input.server)}`,
    `    certificate-authority-data: ${b64(input.caCertPem)}`,
    'users:',
    `- name: ${q(input.userName)}`,
    '  user:',
    ...user,
    'contexts:',
    `- name: ${q(input.name)}`,
    '  context:',
    `    cluster: ${q(input.name)}`,
    `    user: ${q(input.userName)}`,
    ...(input.namespace ? [`    namespace: ${q(input.namespace)}`] : []),
    `current-context: ${q(input.name)}`,
    '',
  ].join('\n');
}

/** Writes a kubeconfig readable only by its owner (it holds credentials); returns the path. */
export async function writeKubeconfig(file: string, yaml: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, yaml, { mode: 0o600 });
  return file;
}

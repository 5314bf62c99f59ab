import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AgentConfigError,
  agentOptionsFromEnvironment,
  graphqlWebSocketUrl,
  loadKubeConfig,
  resolveAgentSettings,
  toKubeConfig,
} from './config.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'outpost-agent-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const KUBECONFIG_YAML = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443', insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: abc } }]
contexts: [{ name: ctx, context: { cluster: c, user: u } }]
current-context: ctx
`;

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof AgentConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected an AgentConfigError');
}

describe('agent configuration', () => {
  it('reads the environment with defaults', () => {
    const { options, logLevel } = agentOptionsFromEnvironment({
      OUTPOST_SERVER_URL: 'https://outpost.example.com',
      OUTPOST_NAMESPACE: 'ws-eu',
      OUTPOST_REGISTRATION_TOKEN: ' oprg_abc \n',
      OUTPOST_CHART_VERSION: '0.3.1',
    });
    expect(options).toMatchObject({
      serverUrl: 'https://outpost.example.com',
      namespace: 'ws-eu',
      registrationToken: 'oprg_abc',
      heartbeatIntervalSeconds: 5,
      resyncIntervalSeconds: 30,
      checkIntervalSeconds: 30,
      chartVersion: '0.3.1',
    });
    expect(logLevel).toBe('info');
    expect(resolveAgentSettings(options).graphqlUrl).toBe('wss://outpost.example.com/graphql');
  });

  it('reads workspace scheduling defaults as JSON, naming the variable when invalid', () => {
    const base = { OUTPOST_SERVER_URL: 'https://outpost.example.com', OUTPOST_NAMESPACE: 'ws-eu' };
    const { options } = agentOptionsFromEnvironment({
      ...base,
      OUTPOST_WORKSPACE_NODE_SELECTOR: '{"pool":"workspaces"}',
      OUTPOST_WORKSPACE_TOLERATIONS: '[{"key":"dedicated","operator":"Exists","effect":"NoSchedule"}]',
      OUTPOST_WORKSPACE_RESOURCES: '{"requests":{"cpu":"1"},"limits":{"memory":"4Gi"}}',
    });
    expect(resolveAgentSettings(options).workspaceTemplate).toMatchObject({
      nodeSelector: { pool: 'workspaces' },
      tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
      resources: { requests: { cpu: '1' }, limits: { memory: '4Gi' } },
    });
    expect(resolveAgentSettings(agentOptionsFromEnvironment(base).options).workspaceTemplate).toMatchObject({
      nodeSelector: {},
      tolerations: [],
      resources: {},
    });
    expect(
      problems(() =>
        agentOptionsFromEnvironment({
          ...base,
          OUTPOST_WORKSPACE_NODE_SELECTOR: '{pool: workspaces}',
          OUTPOST_WORKSPACE_TOLERATIONS: '{"key":"dedicated"}',
          OUTPOST_WORKSPACE_RESOURCES: '{"cpu":"1"}',
        }),
      ),
    ).toEqual([
      expect.stringContaining('OUTPOST_WORKSPACE_NODE_SELECTOR must be an object of strings in JSON'),
      expect.stringContaining('OUTPOST_WORKSPACE_TOLERATIONS must be an array of tolerations in JSON'),
      expect.stringContaining('OUTPOST_WORKSPACE_RESOURCES must be an object'),
    ]);
  });

  it('lists every problem at once, each naming the variable', () => {
    expect(
      problems(() =>
        agentOptionsFromEnvironment({
          OUTPOST_SERVER_URL: 'outpost.example.com',
          OUTPOST_NAMESPACE: 'WS_EU',
          OUTPOST_HEARTBEAT_INTERVAL: '0',
          OUTPOST_RESYNC_INTERVAL: 'soon',
          OUTPOST_REGISTRATION_TOKEN: 'a',
          OUTPOST_REGISTRATION_TOKEN_FILE: '/x',
        }),
      ),
    ).toEqual([
      expect.stringContaining('OUTPOST_SERVER_URL must be'),
      expect.stringContaining('OUTPOST_NAMESPACE must be a Kubernetes namespace name, got "WS_EU"'),
      'Set only one of OUTPOST_REGISTRATION_TOKEN and OUTPOST_REGISTRATION_TOKEN_FILE.',
      'OUTPOST_HEARTBEAT_INTERVAL must be a positive number of seconds, got "0".',
      'OUTPOST_RESYNC_INTERVAL must be a positive number of seconds, got "soon".',
    ]);
    expect(problems(() => agentOptionsFromEnvironment({}))).toEqual([
      expect.stringContaining('OUTPOST_SERVER_URL is not set'),
      expect.stringContaining('OUTPOST_NAMESPACE is not set'),
    ]);
  });

  it('re-reads a mounted registration token file each time it is needed', async () => {
    const file = path.join(tmp, 'token');
    const { options } = agentOptionsFromEnvironment({
      OUTPOST_SERVER_URL: 'http://127.0.0.1:4000',
      OUTPOST_NAMESPACE: 'ws',
      OUTPOST_REGISTRATION_TOKEN_FILE: file,
    });
    const read = options.registrationToken as () => string | undefined;
    expect(read()).toBeUndefined();
    writeFileSync(file, 'oprg_first\n');
    expect(read()).toBe('oprg_first');
    writeFileSync(file, 'oprg_second');
    expect(read()).toBe('oprg_second');
  });

  it('derives the graphql-ws URL from the server URL', () => {
    expect(graphqlWebSocketUrl('http://127.0.0.1:4000')).toBe('ws://127.0.0.1:4000/graphql');
    expect(graphqlWebSocketUrl('https://outpost.example.com/')).toBe('wss://outpost.example.com/graphql');
    expect(graphqlWebSocketUrl('wss://outpost.example.com/custom/graphql')).toBe(
      'wss://outpost.example.com/custom/graphql',
    );
    expect(() => graphqlWebSocketUrl('ftp://x')).toThrow('OUTPOST_SERVER_URL must start with https://');
  });

  it('loads a kubeconfig from KUBECONFIG, from YAML, and says what is missing', () => {
    const file = path.join(tmp, 'kubeconfig');
    writeFileSync(file, KUBECONFIG_YAML);
    expect(loadKubeConfig({ KUBECONFIG: file, HOME: tmp }).getCurrentCluster()?.server).toBe(
      'https://127.0.0.1:6443',
    );
    expect(toKubeConfig(KUBECONFIG_YAML).getCurrentUser()?.token).toBe('abc');
    expect(problems(() => loadKubeConfig({ HOME: tmp }))).toEqual([
      expect.stringContaining('no Kubernetes configuration: set KUBECONFIG'),
    ]);
    expect(problems(() => loadKubeConfig({ KUBECONFIG: path.join(tmp, 'nope'), HOME: tmp }))).toEqual([
      expect.stringContaining('which does not exist'),
    ]);
    expect(problems(() => toKubeConfig('apiVersion: v1\nkind: Config\n'))).toEqual([
      expect.stringContaining('selects no cluster'),
    ]);
  });

  it('validates library options the same way', () => {
    expect(
      problems(() =>
        resolveAgentSettings({ serverUrl: 'nope', namespace: '', heartbeatIntervalSeconds: -1 }),
      ),
    ).toHaveLength(3);
    const settings = resolveAgentSettings({ serverUrl: 'http://127.0.0.1:4000', namespace: 'outpost' });
    expect(settings).toMatchObject({
      heartbeatIntervalSeconds: 5,
      resyncIntervalSeconds: 30,
      checkIntervalSeconds: 30,
    });
  });
});

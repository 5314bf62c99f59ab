import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `outpost login` stores: the server and an API token (plus its id, so logout can revoke it). */
export interface StoredConfig {
  url: string;
  token: string;
  tokenId?: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'outpost', 'config.json');
}

export function readStoredConfig(env: NodeJS.ProcessEnv = process.env): StoredConfig | null {
  try {
    const parsed = JSON.parse(readFileSync(configPath(env), 'utf8')) as Partial<StoredConfig>;
    if (typeof parsed.url === 'string' && typeof parsed.token === 'string') return parsed as StoredConfig;
    return null;
  } catch {
    return null;
  }
}

/** Writes the config readable by its owner only (0600), in a 0700 folder. */
export function writeStoredConfig(config: StoredConfig, env: NodeJS.ProcessEnv = process.env): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

export function deleteStoredConfig(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(configPath(env), { force: true });
}

/** Writes a secret to a file only its owner can read (0600), replacing any earlier one. */
export function writeSecretFile(path: string, content: string): void {
  rmSync(path, { force: true });
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The server and token to use: OUTPOST_URL / OUTPOST_TOKEN override the stored config. */
export function resolveConnection(
  env: NodeJS.ProcessEnv = process.env,
): { url: string; token: string } | null {
  const stored = readStoredConfig(env);
  const url = env.OUTPOST_URL || stored?.url;
  const token = env.OUTPOST_TOKEN || stored?.token;
  if (!url || !token) return null;
  return { url, token };
}

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentOptionsFromEnvironment, resolveAgentSettings } from './config.js';
import { writeHealthFile } from './health-file.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'outpost-agent-health-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('health file', () => {
  it('is written with the time of each acknowledgement', async () => {
    const file = path.join(tmp, 'health');
    await writeHealthFile(file, new Date('2024-05-01T10:00:00.000Z'));
    expect(readFileSync(file, 'utf8')).toBe('2024-05-01T10:00:00.000Z\n');
    const before = Date.now();
    await writeHealthFile(file);
    expect(Date.parse(readFileSync(file, 'utf8').trim())).toBeGreaterThanOrEqual(before - 1000);
    expect(statSync(file).mtimeMs).toBeGreaterThanOrEqual(before - 1000);
  });

  it('fails when the file cannot be written', async () => {
    await expect(writeHealthFile(path.join(tmp, 'missing', 'health'))).rejects.toThrow(/ENOENT/);
  });

  it('comes from OUTPOST_HEALTH_FILE, off when unset', () => {
    const base = { OUTPOST_SERVER_URL: 'https://outpost.example.com', OUTPOST_NAMESPACE: 'ws' };
    const on = agentOptionsFromEnvironment({ ...base, OUTPOST_HEALTH_FILE: '/tmp/outpost-agent-health' });
    expect(resolveAgentSettings(on.options).healthFile).toBe('/tmp/outpost-agent-health');
    expect(resolveAgentSettings(agentOptionsFromEnvironment(base).options).healthFile).toBeNull();
  });
});

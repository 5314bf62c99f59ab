import { describe, expect, it } from 'vitest';
import { heartbeatTimeoutMs } from './agent.js';

describe('heartbeat deadline', () => {
  it('is two heartbeat intervals, at least 2 s and at most the 15 s request timeout', () => {
    expect(heartbeatTimeoutMs(1)).toBe(2_000);
    expect(heartbeatTimeoutMs(0.5)).toBe(2_000);
    expect(heartbeatTimeoutMs(5)).toBe(10_000);
    expect(heartbeatTimeoutMs(60)).toBe(15_000);
  });
});

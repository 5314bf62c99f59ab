import { describe, expect, it } from 'vitest';
import { backoffDelayMs, RECONNECT_BACKOFF } from './backoff.js';

describe('reconnect back-off', () => {
  it('doubles from 0.5 s to a 30 s cap, jittered within the upper half', () => {
    const low = (attempt: number) => backoffDelayMs(attempt, RECONNECT_BACKOFF, () => 0);
    const high = (attempt: number) => backoffDelayMs(attempt, RECONNECT_BACKOFF, () => 1);
    expect([0, 1, 2, 3].map(high)).toEqual([500, 1_000, 2_000, 4_000]);
    expect([0, 1, 2, 3].map(low)).toEqual([250, 500, 1_000, 2_000]);
    expect(high(6)).toBe(30_000);
    expect(high(1_000)).toBe(30_000);
    expect(low(1_000)).toBe(15_000);
  });
});

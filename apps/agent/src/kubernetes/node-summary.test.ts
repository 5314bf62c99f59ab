import { describe, expect, it } from 'vitest';
import { cpuToMillicores, quantityToBytes } from './node-summary.js';

describe('Kubernetes quantities in the node summary', () => {
  it('reads memory in bytes, binary and decimal, exactly beyond 2^53', () => {
    expect(quantityToBytes('16Gi')).toBe(16n * 1024n ** 3n);
    expect(quantityToBytes('16393432Ki')).toBe(16393432n * 1024n);
    expect(quantityToBytes('1.5Gi')).toBe(1536n * 1024n ** 2n);
    expect(quantityToBytes('129e6')).toBe(129_000_000n);
    expect(quantityToBytes('2G')).toBe(2_000_000_000n);
    expect(quantityToBytes('12345')).toBe(12345n);
    expect(quantityToBytes('8Ei')).toBe(8n * 2n ** 60n);
    expect(() => quantityToBytes('lots')).toThrow('not a Kubernetes quantity');
  });

  it('reads CPU in millicores', () => {
    expect(cpuToMillicores('4')).toBe(4000);
    expect(cpuToMillicores('3500m')).toBe(3500);
    expect(cpuToMillicores('0.5')).toBe(500);
  });
});

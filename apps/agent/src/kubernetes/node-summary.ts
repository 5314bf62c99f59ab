import type { CoreV1Api } from '@kubernetes/client-node';

/** What the agent reports about its cluster's nodes (NodeSummaryInput). */
export interface NodeSummary {
  nodeCount: number;
  /** Sum of the nodes' allocatable CPU; null when nodes cannot be listed. */
  cpuMillicores: number | null;
  /** Sum of the nodes' allocatable memory in bytes, as a decimal string (it outgrows 2^53); null when unknown. */
  memoryBytes: string | null;
}

export const UNKNOWN_NODE_SUMMARY: NodeSummary = { nodeCount: 0, cpuMillicores: null, memoryBytes: null };

/**
 * Lists the nodes and sums their allocatable (else capacity) CPU and memory. Listing nodes is optional
 * (OPTIONAL_CLUSTER_PERMISSIONS): when RBAC forbids it, or anything else goes wrong, the summary is
 * unknown rather than a failure.
 */
export async function readNodeSummary(core: CoreV1Api): Promise<{ summary: NodeSummary; error?: unknown }> {
  try {
    const nodes = await core.listNode({});
    let cpuMillicores = 0;
    let memoryBytes = 0n;
    for (const node of nodes.items) {
      const resources = { ...node.status?.capacity, ...node.status?.allocatable };
      if (resources.cpu) cpuMillicores += cpuToMillicores(resources.cpu);
      if (resources.memory) memoryBytes += quantityToBytes(resources.memory);
    }
    return {
      summary: {
        nodeCount: nodes.items.length,
        cpuMillicores: Math.min(cpuMillicores, 2 ** 31 - 1),
        memoryBytes: memoryBytes.toString(),
      },
    };
  } catch (error) {
    return { summary: UNKNOWN_NODE_SUMMARY, error };
  }
}

const BINARY_SUFFIXES: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL_EXPONENTS: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/** A Kubernetes quantity ("16Gi", "16384Ki", "1.5G", "129e6", "500m") in whole units, rounded up. */
export function quantityToBytes(quantity: string): bigint {
  const match = /^([+-]?[0-9.]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?[0-9]+))?$/.exec(
    quantity.trim(),
  );
  if (!match) throw new Error(`not a Kubernetes quantity: "${quantity}"`);
  const [, number = '0', suffix = '', exponent] = match;
  const [whole = '0', fraction = ''] = number.split('.');
  // Scale to an integer mantissa with `fraction.length` implied decimals, then apply the suffix exactly.
  const mantissa = BigInt(whole + fraction || '0');
  let decimals = fraction.length;
  let multiplier = 1n;
  if (suffix in BINARY_SUFFIXES) multiplier = BINARY_SUFFIXES[suffix]!;
  else decimals -= exponent !== undefined ? Number(exponent) : (DECIMAL_EXPONENTS[suffix] ?? 0);
  const scaled = mantissa * multiplier;
  if (decimals <= 0) return scaled * 10n ** BigInt(-decimals);
  const divisor = 10n ** BigInt(decimals);
  return (scaled + divisor - 1n) / divisor;
}

/** CPU quantity ("4", "3500m", "0.5") in millicores, rounded up. */
export function cpuToMillicores(quantity: string): number {
  const match = /^([0-9.]+)(m|)$/.exec(quantity.trim());
  if (match) {
    const value = Number(match[1]);
    return Math.ceil(match[2] === 'm' ? value : value * 1000);
  }
  return Number(quantityToBytes(quantity) * 1000n);
}

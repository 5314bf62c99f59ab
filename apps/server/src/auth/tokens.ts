import { createHash, randomBytes } from 'node:crypto';

/**
 * Every secret Outpost hands out is 256 random bits with a prefix that says what it is, so a leaked
 * string can be recognised (and secret scanners can be taught the prefixes). Only SHA-256 hashes are
 * stored: the tokens are high-entropy, so a slow hash adds nothing, and lookups stay one indexed read.
 */
export const TokenPrefix = {
  apiToken: 'opat_',
  session: 'opss_',
  registration: 'oprg_',
  agentCredential: 'opag_',
} as const;
export type TokenKind = keyof typeof TokenPrefix;

export function generateToken(kind: TokenKind): string {
  return TokenPrefix[kind] + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

let fixtures = 0;

/**
 * The rules eslint.config.mjs reports for `code`, linted as if it were a test file of the server. The
 * type-aware rules need the file on disk inside a package's tsconfig, so it is written there (under a
 * name no other file has) for the check and removed after.
 */
async function reported(code: string, filePath = 'apps/server/test/lint-fixture.test.ts'): Promise<string[]> {
  const file = path.join(
    REPO,
    filePath.replace(/(\.[a-z]+)+$/, (extension) => `-${process.pid}-${fixtures++}${extension}`),
  );
  writeFileSync(file, code);
  try {
    const [result] = await new ESLint({ cwd: REPO }).lintFiles([file]);
    return result!.messages.map((message) => `${message.ruleId}: ${message.message}`);
  } finally {
    rmSync(file, { force: true });
  }
}

const FOCUSED = 'no-restricted-syntax: Focused tests skip the rest of the suite.';
const SKIPPED = 'no-restricted-syntax: A skipped test is a defect: fix or delete it.';

// Each fixture is one statement, as it would appear in a test file (Vitest's and Playwright's forms).
describe('lint refuses focused and skipped tests', () => {
  it.each([
    ['it.only', `it.only('x', () => {});`],
    ['test.only', `test.only('x', () => {});`],
    ['describe.only', `describe.only('x', () => {});`],
    ['suite.only', `suite.only('x', () => {});`],
    ['test.concurrent.only', `test.concurrent.only('x', () => {});`],
    ['it.only.each', `it.only.each([1])('x %i', () => {});`],
    ['test.describe.only (Playwright)', `test.describe.only('x', () => {});`],
  ])('%s', async (_name, code) => {
    expect(await reported(code)).toEqual([FOCUSED]);
  });

  it.each([
    ['it.skip', `it.skip('x', () => {});`],
    ['test.skip', `test.skip('x', () => {});`],
    ['describe.skip', `describe.skip('x', () => {});`],
    ['describe.skipIf', `describe.skipIf(true)('x', () => {});`],
    ['it.runIf', `it.runIf(false)('x', () => {});`],
    ['it.todo', `it.todo('x');`],
    ['test.concurrent.skip', `test.concurrent.skip('x', () => {});`],
    ['test.fixme (Playwright)', `test.fixme('x', () => {});`],
    ['test.describe.parallel.skip (Playwright)', `test.describe.parallel.skip('x', () => {});`],
  ])('%s', async (_name, code) => {
    expect(await reported(code)).toEqual([SKIPPED]);
  });

  it('in e2e and browser tests too', async () => {
    expect(await reported(`test.only('x', () => {});`, 'e2e/browser/fixture.spec.ts')).toEqual([FOCUSED]);
  });

  it('and leaves plain tests, `.each` and unrelated `.skip` properties alone', async () => {
    expect(
      await reported(
        [
          `it('x', () => {});`,
          `test.each([1])('x %i', () => {});`,
          `describe.concurrent('x', () => {});`,
          `const reader = { skip: (n: number) => n }; reader.skip(1);`,
        ].join('\n'),
      ),
    ).toEqual([]);
  });
});

// Type-aware rules: they need the project's types, so the fixture is linted as a server source file.
describe('lint refuses promises nobody handles', () => {
  const SOURCE = 'apps/server/src/lint-fixture.ts';

  it('a floating promise', async () => {
    expect(await reported(`export function f(): void { Promise.resolve(1); }`, SOURCE)).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-floating-promises: /),
    ]);
  });

  it('an async callback where a void one is expected', async () => {
    expect(
      await reported(
        `export function f(): void { setTimeout(async () => { await Promise.resolve(); }, 1); }`,
        SOURCE,
      ),
    ).toEqual([expect.stringMatching(/^@typescript-eslint\/no-misused-promises: /)]);
  });

  it('and accepts one that is awaited, voided or caught', async () => {
    expect(
      await reported(
        [
          `export async function f(): Promise<void> { await Promise.resolve(1); }`,
          `export function g(): void { void Promise.resolve(1); Promise.resolve(1).catch(() => undefined); }`,
        ].join('\n'),
        SOURCE,
      ),
    ).toEqual([]);
  });
});

#!/usr/bin/env node
// Writes charts/<chart>/values.schema.json from the schema modules next to this file:
//   node charts/schema/generate.mjs           # after changing a chart's values
//   node charts/schema/generate.mjs --check   # exit 1 when a committed schema is out of date (the tests run this)
// Helm validates every install, upgrade, template and lint against values.schema.json (JSON Schema
// draft-07), so a value of the wrong type, out of range or unknown is refused before anything renders.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { outpostSchema } from './outpost.mjs';
import { outpostProviderSchema } from './outpost-provider.mjs';

const schemas = {
  outpost: outpostSchema,
  'outpost-provider': outpostProviderSchema,
};

const check = process.argv.includes('--check');
let stale = 0;
for (const [chart, schema] of Object.entries(schemas)) {
  const file = fileURLToPath(new URL(`../${chart}/values.schema.json`, import.meta.url));
  const options = { ...(await prettier.resolveConfig(file)), filepath: file };
  const text = await prettier.format(JSON.stringify(schema), options);
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current === text) continue;
  if (check) {
    stale += 1;
    console.error(`${file} is out of date: run node charts/schema/generate.mjs`);
  } else {
    await writeFile(file, text);
    console.log(`wrote ${file}`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;

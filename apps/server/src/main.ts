#!/usr/bin/env node
import 'reflect-metadata';
import { readConfig } from './config.js';
import { startOutpost } from './outpost.js';

const config = readConfig();
const outpost = await startOutpost(config, { log: (line) => console.log(line) });
console.log(`Outpost API:     ${outpost.http.graphqlUrl}`);
console.log(`Subscriptions:   ${outpost.http.websocketUrl}`);
if (outpost.http.graphiqlUrl) {
  console.log(`GraphiQL:        ${outpost.http.graphiqlUrl} (open it in a browser)`);
} else if (config.graphiql) {
  console.log('GraphiQL:        enabled but not built (npx pnpm@12.21.0 run build)');
}
if (outpost.http.consoleUrl) {
  console.log(`Console:         ${outpost.http.consoleUrl}`);
} else {
  console.log(`Console:         not built (no index.html in ${config.consoleDir}); / says how to build it`);
}
if (outpost.setupRequired) {
  console.log(
    [
      'No users yet. Create the first admin (once) with:',
      `  curl -s ${outpost.http.graphqlUrl} -H 'content-type: application/json' \\`,
      `    -d '{"query":"mutation { setupFirstAdmin(email: \\"you@example.com\\", name: \\"You\\", password: \\"a-long-password\\") { id } }"}'`,
      'or restart with OUTPOST_ADMIN_EMAIL and OUTPOST_ADMIN_PASSWORD set.',
    ].join('\n'),
  );
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping Outpost`);
    // A stop that hangs (say, PostgreSQL already gone) must not keep the process alive.
    setTimeout(() => {
      console.error('Outpost did not stop within 30 s; exiting anyway.');
      process.exit(1);
    }, 30_000).unref();
    outpost.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

#!/usr/bin/env node
// `npm start`: install, build, and start Outpost on embedded defaults (PostgreSQL under the user's data
// directory unless DATABASE_URL is set). Prints the API URL; Ctrl-C stops it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { installAndBuild, root } from './lib.mjs';

installAndBuild();
const server = spawn(process.execPath, [path.join(root, 'apps/server/dist/main.js')], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

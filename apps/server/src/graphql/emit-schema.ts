import { fileURLToPath } from 'node:url';
import { buildOutpostSchema } from './schema.js';
import { createNotificationPubSub } from '../events/notifications.js';

// `pnpm gen` writes apps/server/schema.graphql; the test command regenerates it and fails on any diff.
const target = fileURLToPath(new URL('../../schema.graphql', import.meta.url));
await buildOutpostSchema(createNotificationPubSub(), target);
console.log(`wrote ${target}`);

// Where the built page lives, for the server: `vite build` writes dist/index.html and its assets.
import { fileURLToPath } from 'node:url';

/** The build output folder: index.html plus everything it loads (served under /graphiql-assets/). */
export const graphiqlDistDir = fileURLToPath(new URL('./dist/', import.meta.url));
/** The URL path the build's assets are served under (Vite's `base`). */
export const graphiqlAssetsPath = '/graphiql-assets';

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server answers a browser's GET /graphql with dist/index.html and serves dist/ under
// /graphiql-assets/, so every URL in the build starts there. Monaco's workers are bundled as
// same-origin worker files (graphiql/setup-workers/vite), never loaded from a CDN.
export default defineConfig({
  base: '/graphiql-assets/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Monaco is large by nature; this page is a developer tool loaded once.
    chunkSizeWarningLimit: 6000,
    rolldownOptions: {
      onwarn(warning, warn) {
        // graphiql's React Compiler output starts modules with "use no memo"; bundling drops it harmlessly.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  worker: { format: 'es' },
});

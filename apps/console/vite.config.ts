import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development Vite serves the console and proxies the API (HTTP and WebSocket) so the browser sees
// one origin, as in production where the server serves dist/. VITE_OUTPOST_API points at another server.
const api = process.env.VITE_OUTPOST_API ?? 'http://127.0.0.1:4000';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
    },
  },
});

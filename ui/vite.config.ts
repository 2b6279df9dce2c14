// The web UI's build: `vite build ui` (run by `npm run build:ui`) writes static files to
// `ui/dist`, which `whisker up` serves at `/`. In development, `vite ui` proxies the API to a
// `whisker up` on the default port.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const API_TARGET = process.env['WHISKER_URL'] ?? 'http://127.0.0.1:9990';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // recharts (the largest dependency) is reached only through the lazily loaded dashboard, so
    // Rollup puts it in the dashboard's chunk: other pages never download it.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
      '/webhooks': { target: API_TARGET },
      '/openapi.json': { target: API_TARGET },
    },
  },
});

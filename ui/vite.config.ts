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
    // recharts is the largest dependency; it gets its own chunk so pages without charts load less.
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      output: {
        manualChunks: {
          react: ['react', 'react-dom', 'react-router', '@tanstack/react-query'],
          charts: ['recharts'],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
      '/webhooks': { target: API_TARGET },
      '/openapi.json': { target: API_TARGET },
    },
  },
});

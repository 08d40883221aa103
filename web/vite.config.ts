/**
 * The operator dashboard (SPEC 10). Build from the repository root with
 *   npx vite build --config web/vite.config.ts
 * into dist/web (served by the Fastify server at `/`). `npx vite --config web/vite.config.ts`
 * serves it in development, proxying the API to ARREARS_API_URL (default http://127.0.0.1:3000).
 */
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';

const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, root, '');
  const target = env.ARREARS_API_URL ?? 'http://127.0.0.1:3000';
  const proxy = { target, changeOrigin: false };
  return {
    root,
    base: '/',
    plugins: [react()],
    build: {
      outDir: `${root}../dist/web`,
      emptyOutDir: true,
      sourcemap: false,
      chunkSizeWarningLimit: 600,
      rollupOptions: {
        output: {
          manualChunks(id: string) {
            if (!id.includes('node_modules')) return undefined;
            if (
              id.includes('@mantine') ||
              id.includes('@floating-ui') ||
              id.includes('react-remove-scroll') ||
              id.includes('react-number-format')
            )
              return 'mantine';
            if (id.includes('@tanstack')) return 'query';
            if (/node_modules\/(react|react-dom|scheduler)\//.test(id)) return 'react';
            return 'vendor';
          },
        },
      },
    },
    server: {
      proxy: { '/api': proxy, '/readyz': proxy, '/healthz': proxy },
    },
  };
});

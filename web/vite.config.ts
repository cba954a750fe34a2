import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

// The web app talks to the main API only, under /api, so the browser never needs CORS.
const apiPort = process.env.MAIN_API_PORT ?? '9022';
const webPort = Number(process.env.WEB_PORT ?? 5173);
// Loopback by default; WEB_HOST=0.0.0.0 lets staff phones on the shop's network reach it.
const webHost = process.env.WEB_HOST ?? '127.0.0.1';

// A regular expression (vite reads a leading ^ so): '/api' alone would also catch the page /api-keys.
const proxy: Record<string, ProxyOptions> = {
  '^/api(/|$)': {
    target: `http://127.0.0.1:${apiPort}`,
    changeOrigin: false,
    // The main API then sees who asked: /metrics through the proxy is not mistaken for a local scraper.
    xfwd: true,
    rewrite: (path) => path.replace(/^\/api/, '') || '/',
    // Server-sent events must not be buffered or time out while the page is open.
    timeout: 0,
    proxyTimeout: 0,
  },
};

export default defineConfig({
  plugins: [react()],
  server: { port: webPort, strictPort: true, host: webHost, proxy },
  preview: { port: webPort, strictPort: true, host: webHost, proxy },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 400 },
});

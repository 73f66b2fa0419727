// Sanxiang's browser bundles: one entry per file in frontend/src/pages/*.js, built into api/static/dist with a
// manifest that Flask reads (api/web/assets.py). Nothing built is committed.
import { readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const pages = resolve(here, 'src/pages');
const input = Object.fromEntries(
  readdirSync(pages).filter((f) => f.endsWith('.js')).map((f) => [f.replace(/\.js$/, ''), resolve(pages, f)]),
);

export default defineConfig({
  root: here,
  base: '/static/dist/',
  logLevel: 'warn',
  build: {
    // SANXIANG_DIST: another folder (e.g. one per working copy); api/web/assets.py reads the same variable
    outDir: process.env.SANXIANG_DIST || resolve(here, '../api/static/dist'),
    emptyOutDir: true,
    manifest: 'manifest.json',
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input },
  },
});

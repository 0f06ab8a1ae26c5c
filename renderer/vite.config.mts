// Vite builds the two windows (settings: index.html, quick picker: picker.html) into
// dist/renderer with relative URLs (loaded from file:// by Electron, over HTTP by the browser
// tests); vitest runs the component tests in jsdom.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [svelte({ configFile: fileURLToPath(new URL('svelte.config.mjs', import.meta.url)) }), svelteTesting()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        picker: fileURLToPath(new URL('picker.html', import.meta.url)),
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    root: here,
  },
});

import { defineConfig } from 'vite';

// Relative asset paths: the built portal works from any directory a server hands out.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 2000 },
});

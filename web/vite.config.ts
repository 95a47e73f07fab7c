import { defineConfig } from "vite";

// The C++ server serves dist/: index.html for "/" and the client routes, dist/assets/* with
// immutable caching for names of the form NAME.HASH.EXT (src/http/static_routes.cpp relies on it).
const api = process.env.GONGZHI_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      output: {
        entryFileNames: "assets/[name].[hash].js",
        chunkFileNames: "assets/[name].[hash].js",
        assetFileNames: "assets/[name].[hash].[ext]",
        manualChunks: { maplibre: ["maplibre-gl"], echarts: ["echarts/core", "echarts/charts", "echarts/components", "echarts/renderers"] },
      },
    },
  },
  // `npm run dev` / `vite preview` against a running `gongzhi serve` (GONGZHI_API, default :8080).
  server: { proxy: { "/api": api, "/tiles": api } },
  preview: { proxy: { "/api": api, "/tiles": api } },
});

import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The API runs on the local gateway during development; `npm run dev` proxies to it.
const gateway = "http://127.0.0.1:8000";

export default defineConfig({
  // Relative asset URLs: the same build works at any path (gateway root, S3/CloudFront).
  base: "./",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    proxy: {
      "/api": gateway,
      "/local": gateway,
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});

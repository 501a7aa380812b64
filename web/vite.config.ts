import react from "@vitejs/plugin-react";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

// The API runs on the local gateway during development; `npm run dev` proxies to it.
const gateway = "http://127.0.0.1:8000";

// The chat widget is a separate IIFE bundle (vite.widget.config.ts, built after this config).
// In `npm run dev`, /widget.js loads its sources as a module so the demo page works unbuilt.
const widgetInDev: Plugin = {
  name: "sportello-widget-dev",
  apply: "serve",
  configureServer(server) {
    server.middlewares.use("/widget.js", (_request, response) => {
      response.setHeader("Content-Type", "text/javascript");
      response.end('import("/widget/widget.ts");\n');
    });
  },
};

export default defineConfig({
  // Relative asset URLs: the same build works at any path (gateway root, S3/CloudFront).
  base: "./",
  plugins: [react(), widgetInDev],
  // The agent app, the public contact form, and a demo shop page that embeds the chat widget
  // (paths relative to the project root, web/).
  input: {
    index: "index.html",
    form: "form.html",
    "widget-demo": "widget-demo.html",
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    proxy: {
      "/api": gateway,
      "/local": gateway,
      "/public": gateway,
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "widget/**/*.test.ts", "form/**/*.test.ts"],
  },
});

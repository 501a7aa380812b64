import { defineConfig } from "vite";

// The embeddable chat widget: one self-contained classic script, dist/widget.js, with its CSS
// inlined (widget.css?inline, injected into the widget's shadow root). Runs after the main build,
// so it must not empty dist/.
export default defineConfig({
  publicDir: false,
  build: {
    outDir: "dist",
    emptyOutDir: false,
    sourcemap: false,
    rolldownOptions: {
      // ASCII only: the script is decoded in the host page's charset, which may not be UTF-8.
      output: { charset: "ascii" },
    },
    lib: {
      entry: "widget/widget.ts", // relative to the project root, web/
      name: "SportelloChat",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
});

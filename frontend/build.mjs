// Bundles the platform's JavaScript and CSS from npm packages into static files served by Django.
import { rmSync } from "node:fs";
import * as esbuild from "esbuild";

const outdir = "tinhso/web/static/web/dist";
// Font file names carry a content hash: start empty so replaced fonts do not pile up.
rmSync(outdir, { recursive: true, force: true });

await esbuild.build({
  entryPoints: {
    app: "frontend/src/app.js",
    style: "frontend/src/app.css",
    ioc: "frontend/src/ioc.js",
    // Only pages with a map load Leaflet (map.js and map.css).
    map: "frontend/src/map.js",
  },
  outdir,
  bundle: true,
  minify: true,
  sourcemap: true,
  target: ["es2019", "chrome80", "safari13", "firefox78"],
  // Leaflet's few small control images are inlined into map.css rather than fetched.
  loader: { ".woff2": "file", ".png": "dataurl" },
  assetNames: "fonts/[name]-[hash]",
  logLevel: "warning",
});

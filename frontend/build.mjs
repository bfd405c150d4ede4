// Bundles the platform's JavaScript and CSS from npm packages into static files served by Django.
import { copyFileSync, rmSync } from "node:fs";
import * as esbuild from "esbuild";

const outdir = "tinhso/web/static/web/dist";
// Font file names carry a content hash: start empty so replaced fonts do not pile up.
rmSync(outdir, { recursive: true, force: true });

await esbuild.build({
  entryPoints: {
    app: "frontend/src/app.js",
    style: "frontend/src/app.css",
    ioc: "frontend/src/ioc.js",
    // The chart of an open dataset's numeric columns.
    opendata: "frontend/src/opendata.js",
    // Only pages with a map load Leaflet (map.js and map.css).
    map: "frontend/src/map.js",
    // Starts Swagger UI on /api/v1/docs.
    "api-docs": "frontend/src/api-docs.js",
    // Web Push: the settings page's subscription, and the service worker (served at /sw.js for scope "/").
    push: "frontend/src/push.js",
    sw: "frontend/src/sw.js",
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

// Swagger UI ships built and minified: copied as it is (bundling it again costs gigabytes of memory).
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  copyFileSync(`node_modules/swagger-ui-dist/${name}`, `${outdir}/${name}`);
}

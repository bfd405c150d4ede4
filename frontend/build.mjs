// Bundles the platform's JavaScript and CSS from npm packages into static files served by Django.
import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: { app: "frontend/src/app.js", style: "frontend/src/app.css" },
  outdir: "tinhso/web/static/web/dist",
  bundle: true,
  minify: true,
  sourcemap: true,
  target: ["es2019"],
  loader: { ".woff": "file", ".woff2": "file" },
  assetNames: "fonts/[name]-[hash]",
  logLevel: "warning",
});

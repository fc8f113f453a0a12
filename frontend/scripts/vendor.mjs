// Copies the dist files the dashboard serves from node_modules into the Django app's static
// directory, and Swagger UI into the realtime service's (its /docs page). The copies are committed, so running the product never needs npm or a CDN;
// run `npm ci && npm run vendor` after changing a version in package.json.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { basemap } from "./basemap.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const modules = join(root, "node_modules");
const target = join(
  root, "..", "services", "admin_django", "src", "waybill_django", "dashboard", "static", "dashboard", "vendor",
);

const files = {
  "htmx.org": ["dist/htmx.min.js", "LICENSE"],
  leaflet: [
    "dist/leaflet.js",
    // leaflet.js ends with a sourceMappingURL comment; the manifest storage of collectstatic
    // refuses a reference to a missing file.
    "dist/leaflet.js.map",
    "dist/leaflet.css",
    "dist/images/layers.png",
    "dist/images/layers-2x.png",
    "dist/images/marker-icon.png",
    "dist/images/marker-icon-2x.png",
    "dist/images/marker-shadow.png",
    "LICENSE",
  ],
  "leaflet.markercluster": [
    "dist/leaflet.markercluster.js",
    "dist/leaflet.markercluster.js.map",
    "dist/MarkerCluster.css",
    "dist/MarkerCluster.Default.css",
    "MIT-LICENCE.txt",
  ],
  "world-atlas": ["LICENSE"],
};

const realtimeTarget = join(
  root, "..", "services", "realtime_fastapi", "src", "waybill_realtime", "static", "vendor",
);
// The bundle and its stylesheet only: the page and its initializer are the service's own (no inline script).
const realtimeFiles = {
  "swagger-ui-dist": ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"],
};

function vendor(directory, packages) {
  rmSync(directory, { recursive: true, force: true });
  for (const [name, paths] of Object.entries(packages)) {
    const { version } = JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8"));
    for (const path of paths) {
      const destination = join(directory, name, path.replace(/^dist\//, ""));
      mkdirSync(dirname(destination), { recursive: true });
      copyFileSync(join(modules, name, path), destination);
    }
    console.log(`vendored ${name}@${version}`);
  }
}

vendor(target, files);
vendor(realtimeTarget, realtimeFiles);

// Natural Earth 1:110m country outlines, for the map without a tile server.
const outlines = join(target, "world-atlas", "countries-110m.geojson");
writeFileSync(outlines, JSON.stringify(basemap(modules, "110m")));
console.log("wrote world-atlas/countries-110m.geojson");

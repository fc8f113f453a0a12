// Builds the offline basemap: Natural Earth country outlines (world-atlas, public domain data)
// as one small GeoJSON file Leaflet draws when no tile server is configured (MAP_TILE_URL empty).
// Coordinates are rounded to 0.01° (about 1 km) and repeated points dropped, which keeps the
// file small enough to load with the map page.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { feature } from "topojson-client";

export function basemap(modules, scale = "50m") {
  const topology = JSON.parse(readFileSync(join(modules, "world-atlas", `countries-${scale}.json`), "utf8"));
  const countries = feature(topology, topology.objects.countries);
  const round = (value) => Math.round(value * 100) / 100;
  const ring = (points) => {
    const out = [];
    for (const [lng, lat] of points) {
      const point = [round(lng), round(lat)];
      const last = out[out.length - 1];
      if (!last || last[0] !== point[0] || last[1] !== point[1]) out.push(point);
    }
    return out.length >= 4 ? out : null;
  };
  const polygon = (rings) => rings.map(ring).filter(Boolean);
  const features = [];
  for (const country of countries.features) {
    const { type, coordinates } = country.geometry ?? {};
    let shapes;
    if (type === "Polygon") shapes = [polygon(coordinates)];
    else if (type === "MultiPolygon") shapes = coordinates.map(polygon);
    else continue;
    shapes = shapes.filter((rings) => rings.length);
    if (!shapes.length) continue;
    features.push({
      type: "Feature",
      properties: { name: country.properties.name },
      geometry: { type: "MultiPolygon", coordinates: shapes },
    });
  }
  return { type: "FeatureCollection", features };
}

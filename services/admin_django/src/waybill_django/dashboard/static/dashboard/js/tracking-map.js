// The public tracking page's map: roughly where the goods are (a circle of about 2 km around the
// vehicle's rounded position) and the destination; redrawn whenever the status part re-renders
// (the map element itself survives those refreshes through hx-preserve).
// Its background (MAP_TILE_URL's tiles, or the bundled country outlines) is basemap.js's.
(() => {
  "use strict";
  const live = document.getElementById("tracking-live");
  if (!live || !window.L) return;
  const L = window.L;
  let map = null;
  let layers = null;

  function create(element) {
    map = L.map(element, { maxZoom: 12, attributionControl: true });
    map.attributionControl.setPrefix(false);
    window.waybillBasemap.addTo(map, element, { maxZoom: 12 });
    layers = L.layerGroup().addTo(map);
  }

  function draw() {
    const element = document.getElementById("tracking-map");
    const where = document.getElementById("tracking-position");
    if (!element || !where) {
      if (map) map.remove();
      map = null;
      return;
    }
    if (!map || map.getContainer() !== element) create(element);
    map.invalidateSize();
    layers.clearLayers();
    const position = [Number(where.dataset.latitude), Number(where.dataset.longitude)];
    L.circle(position, { radius: 2_000, color: "#1d4ed8", weight: 2, fillOpacity: 0.15 })
      .addTo(layers)
      .bindTooltip("Your delivery is around here");
    const bounds = L.latLngBounds([position]);
    if (where.dataset.destinationLatitude) {
      const destination = [Number(where.dataset.destinationLatitude), Number(where.dataset.destinationLongitude)];
      L.circleMarker(destination, { radius: 6, color: "#15803d", weight: 2, fillOpacity: 0.8 })
        .addTo(layers)
        .bindTooltip("Destination");
      bounds.extend(destination);
    }
    map.fitBounds(bounds.pad(0.5), { maxZoom: 9 });
    element.dataset.drawn = position.join(",");
  }

  live.addEventListener("htmx:afterSwap", draw);
  draw();
})();

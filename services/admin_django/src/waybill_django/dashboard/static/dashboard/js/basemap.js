// The background of every Leaflet map in the dashboard: MAP_TILE_URL's tiles when configured,
// otherwise the Natural Earth country outlines shipped with the static files, so the default
// install shows geography with no request leaving the site. The map element carries the
// settings (data-tile-url, data-tile-attribution, data-basemap-url); once the outlines are on
// the map it says so in data-basemap="drawn".
(() => {
  "use strict";
  if (!window.L) return;
  const L = window.L;
  const OUTLINE_STYLE = { color: "#94a3b8", weight: 1, fillColor: "#eef2f6", fillOpacity: 1 };

  async function drawOutlines(map, element) {
    if (!element.dataset.basemapUrl) return;
    const response = await fetch(element.dataset.basemapUrl);
    if (!response.ok) return;
    const outlines = L.geoJSON(await response.json(), {
      interactive: false,
      style: OUTLINE_STYLE,
      attribution: "Country outlines: Natural Earth",
    });
    outlines.addTo(map);
    outlines.bringToBack();
    element.dataset.basemap = "drawn";
  }

  window.waybillBasemap = {
    // Adds the background to ``map`` (drawn in ``element``); resolves once it is there.
    addTo(map, element, { maxZoom = 18 } = {}) {
      if (element.dataset.tileUrl) {
        L.tileLayer(element.dataset.tileUrl, { maxZoom, attribution: element.dataset.tileAttribution || "" }).addTo(map);
        return Promise.resolve();
      }
      element.classList.add("map--no-tiles");
      return drawOutlines(map, element);
    },
  };
})();

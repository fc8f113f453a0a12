// The shipment form's map pins: the origin and destination at their coordinates, dragged or
// placed by a click to correct them; the latitude and longitude fields follow (and the pins follow
// the fields). An end without coordinates is located from its address when the form is saved.
(() => {
  "use strict";
  const element = document.getElementById("pin-map");
  if (!element || !window.L) return;
  const L = window.L;
  const ENDS = ["origin", "destination"];
  const field = (end, axis) => document.getElementById(`id_${end}_${axis}`);
  const map = L.map(element, { maxZoom: 18 });
  map.attributionControl.setPrefix(false);
  map.setView([51.9, 4.6], 7);
  window.waybillBasemap.addTo(map, element);
  const pins = {};
  const at = (end) => {
    const lat = parseFloat(field(end, "latitude")?.value ?? "");
    const lng = parseFloat(field(end, "longitude")?.value ?? "");
    return Number.isFinite(lat) && Number.isFinite(lng) ? [lat, lng] : null;
  };
  const write = (end, latlng) => {
    field(end, "latitude").value = latlng.lat.toFixed(5);
    field(end, "longitude").value = latlng.lng.toFixed(5);
  };
  function place(end, latlng) {
    if (!pins[end]) {
      pins[end] = L.marker(latlng, {
        draggable: true,
        title: end === "origin" ? "Origin" : "Destination",
        icon: L.divIcon({ className: `end-marker end-marker--${end}`, iconSize: [16, 16], iconAnchor: [8, 8] }),
      }).addTo(map);
      pins[end].on("dragend", () => write(end, pins[end].getLatLng()));
    } else {
      pins[end].setLatLng(latlng);
    }
  }
  for (const end of ENDS) {
    const point = at(end);
    if (point) place(end, point);
    for (const axis of ["latitude", "longitude"]) {
      field(end, axis)?.addEventListener("change", () => {
        const moved = at(end);
        if (moved) place(end, moved);
      });
    }
  }
  const placed = Object.values(pins).map((pin) => pin.getLatLng());
  if (placed.length) map.fitBounds(L.latLngBounds(placed), { padding: [40, 40], maxZoom: 12 });
  map.on("click", (event) => {
    const end = document.querySelector("input[name=pin-end]:checked")?.value || "origin";
    place(end, event.latlng);
    write(end, event.latlng);
  });
})();

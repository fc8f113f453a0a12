// The planning map: each proposed route from the depot through its numbered stops and back,
// one colour per vehicle; a stop's tooltip says what, where and when. Drawn once the plan's job
// has succeeded (live: on its job.progress event), redrawn after the plan is accepted.
// Addresses and references are user input: they go in as text, never as HTML.
(() => {
  "use strict";
  const element = document.getElementById("plan-map");
  if (!element || !window.L) return;
  const L = window.L;
  const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f"];

  const map = L.map(element, { zoomControl: true, attributionControl: true, maxZoom: 18 });
  map.attributionControl.setPrefix(false);
  map.setView([51.9, 4.6], 7);
  window.waybillBasemap.addTo(map, element);
  const drawn = L.layerGroup().addTo(map);

  function text(value) {
    const span = document.createElement("span");
    span.textContent = value;
    return span;
  }

  function stopIcon(number, colour) {
    const label = document.createElement("span");
    label.className = "stop-marker__number";
    label.textContent = String(number);
    const wrapper = document.createElement("span");
    wrapper.className = "stop-marker";
    wrapper.append(label);
    wrapper.style.setProperty("--route-colour", colour);
    return L.divIcon({ className: "stop-marker-icon", html: wrapper, iconSize: [24, 24], iconAnchor: [12, 12] });
  }

  function colourSwatches() {
    for (const route of document.querySelectorAll("[data-route-index]")) {
      const swatch = route.querySelector(".plan-route__swatch");
      if (swatch) swatch.style.backgroundColor = COLOURS[Number(route.dataset.routeIndex) % COLOURS.length];
    }
  }

  async function draw() {
    const response = await fetch(element.dataset.routesUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const plan = await response.json();
    drawn.clearLayers();
    const bounds = [];
    let depot = null;
    if (plan.depot) {
      depot = [plan.depot.latitude, plan.depot.longitude];
      bounds.push(depot);
      L.circleMarker(depot, { radius: 9, color: "#0f172a", fillColor: "#facc15", fillOpacity: 1, weight: 2 })
        .bindTooltip(text(`Depot: ${plan.depot.address}`))
        .addTo(drawn);
    }
    let stops = 0;
    plan.routes.forEach((route, index) => {
      const colour = COLOURS[index % COLOURS.length];
      const line = depot ? [depot] : [];
      for (const stop of route.stops) {
        if (stop.latitude == null || stop.longitude == null) continue;
        const at = [stop.latitude, stop.longitude];
        line.push(at);
        bounds.push(at);
        stops += 1;
        const verb = stop.kind === "pickup" ? "Pick up" : "Deliver";
        const marker = L.marker(at, { icon: stopIcon(stop.position, colour), keyboard: false, title: `${route.vehicle} stop ${stop.position}` });
        marker.bindTooltip(text(`${route.vehicle} · ${stop.position}. ${verb} ${stop.reference} at ${stop.address} · ETA ${stop.eta}`));
        marker.addTo(drawn);
      }
      if (depot) line.push(depot);
      L.polyline(line, { color: colour, weight: 3, opacity: 0.85 }).addTo(drawn);
    });
    element.dataset.routes = String(plan.routes.length);
    element.dataset.stops = String(stops);
    if (bounds.length) map.fitBounds(bounds, { padding: [40, 40], maxZoom: 11 });
    colourSwatches();
  }

  draw();
  document.addEventListener("waybill:event", (event) => {
    const detail = event.detail || {};
    if (detail.type === "job.progress" && String(detail.job_id) === element.dataset.jobId && detail.state === "succeeded") draw();
  });
  // The side panel is re-rendered live (htmx): colour its new swatches.
  document.body.addEventListener("htmx:afterSwap", colourSwatches);
})();

// The live map: vehicles at their latest position, moving with position events;
// the open shipments' origins and destinations; a vehicle's recent track on click.
// Works without a tile server (MAP_TILE_URL empty or unreachable): the markers sit on a plain grid.
(() => {
  "use strict";
  const element = document.getElementById("map");
  if (!element || !window.L) return;
  const L = window.L;
  const focusShipment = element.dataset.focusShipment ? Number(element.dataset.focusShipment) : null;
  const POLL_MS = 15_000;

  const map = L.map(element, { zoomControl: true, attributionControl: Boolean(element.dataset.tileUrl) });
  map.setView([51.9, 4.6], 8);
  if (element.dataset.tileUrl) {
    L.tileLayer(element.dataset.tileUrl, {
      maxZoom: 18,
      attribution: element.dataset.tileAttribution || "",
    }).addTo(map);
  } else {
    element.classList.add("map--no-tiles");
  }

  const vehicles = new Map(); // id -> {marker, data}: the vehicles with a position, on the map
  const known = new Map(); // id -> data: every vehicle, for the list
  const ends = L.layerGroup().addTo(map);
  let track = null;
  let selected = null;
  let lastLiveFix = 0;
  const list = document.getElementById("vehicle-list");

  function vehicleIcon(vehicle) {
    return L.divIcon({
      className: "vehicle-marker",
      html: `<span class="vehicle-marker__dot"></span><span class="vehicle-marker__label">${escape(vehicle.plate)}</span>`,
      iconSize: [16, 16],
      iconAnchor: [8, 8],
    });
  }

  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  function placeVehicle(vehicle) {
    if (vehicle.latitude == null || vehicle.longitude == null) return;
    const at = [vehicle.latitude, vehicle.longitude];
    let entry = vehicles.get(vehicle.id);
    if (!entry) {
      const marker = L.marker(at, { icon: vehicleIcon(vehicle), keyboard: true, title: vehicle.plate, alt: vehicle.plate });
      marker.on("click", () => showTrack(vehicle.id));
      marker.addTo(map);
      entry = { marker, data: vehicle };
      vehicles.set(vehicle.id, entry);
      marker.getElement()?.setAttribute("data-vehicle-id", vehicle.id);
    } else {
      entry.data = { ...entry.data, ...vehicle };
      entry.marker.setLatLng(at);
    }
    if (selected === vehicle.id && track && moved(track, at)) {
      track.addLatLng(at);
      element.dataset.trackPoints = String(track.getLatLngs().length);
    }
  }

  function moved(line, at) {
    const points = line.getLatLngs();
    const last = points[points.length - 1];
    return !last || last.lat !== at[0] || last.lng !== at[1];
  }

  function renderList() {
    if (!list) return;
    list.replaceChildren();
    for (const data of [...known.values()].sort((a, b) => a.plate.localeCompare(b.plate))) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "linklike";
      button.dataset.vehicleId = data.id;
      button.textContent = `${data.plate}${data.label ? ` · ${data.label}` : ""}`;
      if (!vehicles.has(data.id)) button.append(Object.assign(document.createElement("span"), { className: "muted", textContent: " (no position yet)" }));
      button.setAttribute("aria-pressed", String(selected === data.id));
      button.addEventListener("click", () => showTrack(data.id));
      item.append(button);
      list.append(item);
    }
  }

  function drawEnds(shipments) {
    ends.clearLayers();
    for (const s of shipments) {
      if (focusShipment && s.id !== focusShipment) continue;
      const [olat, olng, oaddr] = s.origin;
      const [dlat, dlng, daddr] = s.destination;
      if (olat != null && dlat != null) {
        L.polyline([[olat, olng], [dlat, dlng]], { color: "#64748b", weight: 1, dashArray: "4 6" }).addTo(ends);
      }
      if (olat != null) {
        L.circleMarker([olat, olng], { radius: 6, color: "#0f766e", fillOpacity: 0.9 })
          .bindTooltip(escape(`${s.reference} from ${oaddr}`)).addTo(ends);
      }
      if (dlat != null) {
        L.circleMarker([dlat, dlng], { radius: 6, color: "#b45309", fillOpacity: 0.9 })
          .bindTooltip(escape(`${s.reference} to ${daddr}`)).addTo(ends);
      }
    }
  }

  async function load(first) {
    const response = await fetch(element.dataset.mapData, { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    const focusVehicle = focusShipment
      ? data.shipments.find((s) => s.id === focusShipment)?.vehicle_id ?? null
      : null;
    for (const vehicle of data.vehicles) {
      if (focusShipment && vehicle.id !== focusVehicle) continue;
      known.set(vehicle.id, vehicle);
      placeVehicle(vehicle);
    }
    drawEnds(data.shipments);
    renderList();
    if (first) {
      const points = [...vehicles.values()].map((v) => v.marker.getLatLng());
      ends.eachLayer((layer) => layer.getLatLng && points.push(layer.getLatLng()));
      if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 12 });
    }
    element.dataset.loaded = "true";
  }

  async function showTrack(vehicleId) {
    selected = vehicleId;
    renderList();
    const url = element.dataset.trackUrl.replace(/\/0\/track\.json$/, `/${vehicleId}/track.json`);
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    if (track) track.remove();
    track = L.polyline(data.points.map(([lat, lng]) => [lat, lng]), { color: "#2563eb", weight: 3 }).addTo(map);
    element.dataset.trackVehicle = String(vehicleId);
    element.dataset.trackPoints = String(data.points.length);
    const hint = document.getElementById("map-hint");
    const plate = known.get(vehicleId)?.plate ?? "";
    if (hint) hint.textContent = data.points.length ? `Track of ${plate}: last ${data.points.length} positions.` : `${plate} has no recent positions.`;
  }

  // Position events: any event that names a vehicle and coordinates, alone or in a batch.
  document.addEventListener("waybill:event", ({ detail: event }) => {
    const fixes = Array.isArray(event.positions) ? event.positions : [event];
    let moved = false;
    for (const fix of fixes) {
      const latitude = fix.latitude ?? fix.lat;
      const longitude = fix.longitude ?? fix.lng ?? fix.lon;
      if (fix.vehicle_id == null || typeof latitude !== "number" || typeof longitude !== "number") continue;
      if (focusShipment && !vehicles.has(fix.vehicle_id)) continue;
      const plate = known.get(fix.vehicle_id)?.plate ?? `#${fix.vehicle_id}`;
      placeVehicle({ id: fix.vehicle_id, plate, latitude, longitude });
      if (!known.has(fix.vehicle_id)) known.set(fix.vehicle_id, { id: fix.vehicle_id, plate, label: "" });
      moved = true;
    }
    if (moved) lastLiveFix = Date.now();
    else if (String(event.type).startsWith("shipment.")) load(false);
  });
  document.addEventListener("waybill:resync", () => load(false));
  // Positions reach the map live as events; until they do (or when they stop), re-read them now and then.
  setInterval(() => {
    if (Date.now() - lastLiveFix > POLL_MS && document.visibilityState === "visible") load(false);
  }, POLL_MS);

  window.waybillMap = {
    map,
    position(id) {
      const entry = vehicles.get(id);
      return entry ? entry.marker.getLatLng() : null;
    },
    vehicleIds: () => [...vehicles.keys()],
  };
  load(true);
})();

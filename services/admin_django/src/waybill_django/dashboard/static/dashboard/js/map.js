// The live map: vehicles at their latest position, moving with position events; the chosen
// shipments' origins and destinations, clustered (leaflet.markercluster); a vehicle's recent
// track on click; "Follow" keeps the map centred on one vehicle as its positions arrive, until
// "Stop following" (or the dispatcher drags the map away). A shipment event reloads that one
// shipment, never the whole map.
// Its background (tiles or the bundled country outlines) is basemap.js's.
(() => {
  "use strict";
  const element = document.getElementById("map");
  if (!element || !window.L) return;
  const L = window.L;
  const focusShipment = element.dataset.focusShipment ? Number(element.dataset.focusShipment) : null;
  const POLL_MS = 15_000;

  // maxZoom is set on the map: without a tile layer nothing else gives one, and clustering needs it.
  const map = L.map(element, { zoomControl: true, attributionControl: true, maxZoom: 18 });
  map.attributionControl.setPrefix(false);
  map.setView([51.9, 4.6], 8);
  window.waybillBasemap.addTo(map, element);

  const vehicles = new Map(); // id -> {marker, data}: the vehicles with a position, on the map
  const known = new Map(); // id -> data: every vehicle, for the list
  // Clustered when the plugin is there (it always is on the dashboard; a plain group otherwise).
  const ends = (L.markerClusterGroup
    ? L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50 })
    : L.layerGroup()
  ).addTo(map);
  const lines = L.layerGroup().addTo(map); // origin → destination, for the focused shipment only
  const drawn = new Map(); // shipment id -> its layers
  const filters = document.getElementById("map-filters");
  let track = null;
  let selected = null;
  let following = null; // the vehicle id the map stays centred on
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
    if (following === vehicle.id) map.panTo(at);
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
      if (vehicles.has(data.id)) item.append(" ", followButton(data));
      list.append(item);
    }
  }

  function followButton(data) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small";
    button.dataset.follow = data.id;
    const on = following === data.id;
    button.textContent = on ? "Following" : "Follow";
    button.setAttribute("aria-label", `${on ? "Following" : "Follow"} ${data.plate}`);
    button.setAttribute("aria-pressed", String(on));
    button.addEventListener("click", () => (on ? stopFollowing() : follow(data.id)));
    return button;
  }

  const followBar = document.getElementById("map-following");
  const followText = document.getElementById("map-following-text");
  document.getElementById("map-stop-following")?.addEventListener("click", () => stopFollowing());

  function follow(vehicleId) {
    const entry = vehicles.get(vehicleId);
    if (!entry) return;
    following = vehicleId;
    map.setView(entry.marker.getLatLng(), Math.max(map.getZoom(), 12));
    element.dataset.following = String(vehicleId);
    if (followText) followText.textContent = `Following ${entry.data.plate}: the map keeps it in the centre.`;
    if (followBar) followBar.hidden = false;
    renderList();
  }

  function stopFollowing() {
    if (following == null) return;
    following = null;
    delete element.dataset.following;
    if (followBar) followBar.hidden = true;
    renderList();
  }

  // Dragging the map means looking elsewhere: following would pull it straight back.
  map.on("dragstart", stopFollowing);

  function wanted() {
    if (!filters) return (element.dataset.statuses || "").split(" ").filter(Boolean);
    return [...filters.querySelectorAll("input[name=status]:checked")].map((box) => box.value);
  }

  function tooltip(text) {
    const span = document.createElement("span");
    span.textContent = text; // addresses and references are user input: text, never HTML
    return span;
  }

  function endMarker(lat, lng, kind, text) {
    const marker = L.marker([lat, lng], {
      icon: L.divIcon({ className: `end-marker end-marker--${kind}`, iconSize: [12, 12], iconAnchor: [6, 6] }),
      keyboard: false,
    });
    return marker.bindTooltip(tooltip(text));
  }

  function removeShipment(id) {
    for (const layer of drawn.get(id) ?? []) {
      ends.removeLayer(layer);
      lines.removeLayer(layer);
    }
    drawn.delete(id);
  }

  function drawShipment(s) {
    removeShipment(s.id);
    const layers = [];
    const [olat, olng, oaddr] = s.origin;
    const [dlat, dlng, daddr] = s.destination;
    if (olat != null) layers.push(endMarker(olat, olng, "origin", `${s.reference} from ${oaddr}`));
    if (dlat != null) layers.push(endMarker(dlat, dlng, "destination", `${s.reference} to ${daddr}`));
    ends.addLayers ? ends.addLayers(layers) : layers.forEach((layer) => ends.addLayer(layer));
    if (focusShipment && olat != null && dlat != null) {
      const line = L.polyline([[olat, olng], [dlat, dlng]], { color: "#64748b", weight: 2, dashArray: "4 6" });
      lines.addLayer(line);
      layers.push(line);
    }
    drawn.set(s.id, layers);
  }

  function drawEnds(shipments) {
    ends.clearLayers();
    lines.clearLayers();
    drawn.clear();
    for (const s of shipments) drawShipment(s);
    element.dataset.shipments = String(drawn.size);
  }

  function dataUrl(params) {
    const url = new URL(element.dataset.mapData, window.location.href);
    for (const [key, value] of params) url.searchParams.append(key, value);
    return url;
  }

  // One changed shipment: fetched alone, redrawn or removed; the rest of the map stays.
  async function refreshShipment(id) {
    const params = [["shipment", String(id)], ["vehicles", "0"]];
    const response = await fetch(dataUrl(params), { credentials: "same-origin" });
    if (!response.ok) return;
    const [s] = (await response.json()).shipments;
    if (s && (focusShipment === s.id || wanted().includes(s.status))) drawShipment(s);
    else removeShipment(id);
    element.dataset.shipments = String(drawn.size);
  }

  async function load(first) {
    const params = focusShipment
      ? [["shipment", String(focusShipment)]]
      : wanted().map((status) => ["status", status]);
    const response = await fetch(dataUrl(params), { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    const note = document.getElementById("map-truncated");
    if (note) note.hidden = !data.truncated;
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
      // At once, not animated: the page opens on its data, and a marker is where it stays when clicked.
      if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 12, animate: false });
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
    const placed = vehicles.size;
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
    if (vehicles.size !== placed) renderList(); // a vehicle's first position: it can now be followed
    else if (String(event.type).startsWith("shipment.") && event.shipment_id != null) {
      if (!focusShipment || event.shipment_id === focusShipment) refreshShipment(event.shipment_id);
    }
  });
  filters?.addEventListener("change", () => load(false));
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
    following: () => following,
    shipmentIds: () => [...drawn.keys()].sort((a, b) => a - b),
  };
  load(true);
})();

// Live updates for the dashboard: one WebSocket to the realtime service per page.
//
// 1. Ask Django for a single-use ticket (POST, same-origin session + CSRF).
// 2. Connect to the realtime service with it, subscribe to the organization's channel
//    from the stream id the page was rendered at (so nothing between render and connect is lost).
// 3. For each event: remember its stream id, update status badges at once, and ask the
//    page's live regions ([data-live]) to re-render through htmx.
// 4. On a drop: reconnect with exponential backoff and jitter, resuming from the last id.
//    On "resync_required": every live region reloads. Handshakes refused three times in a
//    row (closed before open, as an HTTP 403 is) show "Live updates off — reload the page".
// See docs/protocol.md for the messages and close codes.
(() => {
  "use strict";
  const config = document.getElementById("live-config");
  if (!config || !("WebSocket" in window)) return;

  const indicator = document.getElementById("live-status");
  const PING_EVERY_MS = 25_000;
  const MAX_BACKOFF_MS = 30_000;
  const REFRESH_DEBOUNCE_MS = 150;
  // Handshakes refused in a row (closed before they opened: an HTTP 403 for a disallowed Origin
  // looks the same to a page) after which retrying is not going to help by itself.
  const MAX_REFUSED_HANDSHAKES = 3;
  const LABELS = {
    connecting: "Connecting…",
    live: "Live",
    offline: "Reconnecting…",
    error: "Live updates off — reload the page",
  };

  const state = {
    lastId: config.dataset.streamId || null,
    channel: null,
    attempt: 0,
    refused: 0,
    socket: null,
    pingTimer: null,
    retryTimer: null,
    seen: [],
    events: 0,
  };
  window.waybillLive = state;

  function setStatus(name) {
    if (!indicator) return;
    indicator.dataset.state = name;
    const text = indicator.querySelector(".live-status__text");
    if (text) text.textContent = LABELS[name];
  }

  function refusedTooOften() {
    return state.refused >= MAX_REFUSED_HANDSHAKES;
  }

  function scheduleReconnect(immediately) {
    clearTimeout(state.retryTimer);
    state.attempt += 1;
    const ceiling = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (state.attempt - 1));
    const delay = immediately ? 0 : ceiling / 2 + Math.random() * (ceiling / 2);
    state.retryTimer = setTimeout(connect, delay);
  }

  async function fetchTicket() {
    const response = await fetch(config.dataset.ticketUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": config.dataset.csrf, Accept: "application/json" },
    });
    // A signed-out session is redirected to the sign-in page: stop, there is nothing to retry.
    const json = (response.headers.get("content-type") || "").includes("application/json");
    if (response.status === 401 || response.status === 403 || response.redirected || (response.ok && !json)) {
      const error = new Error("signed out");
      error.fatal = true;
      throw error;
    }
    if (!response.ok) throw new Error(`ticket: HTTP ${response.status}`);
    return response.json();
  }

  async function connect() {
    if (state.socket) return;
    if (!refusedTooOften()) setStatus(state.attempt === 0 ? "connecting" : "offline");
    let grant;
    try {
      grant = await fetchTicket();
    } catch (error) {
      if (error.fatal) return setStatus("error");
      return scheduleReconnect(false);
    }
    state.channel = grant.channel;
    const socket = new WebSocket(`${grant.url}?ticket=${encodeURIComponent(grant.ticket)}`);
    state.socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      state.refused = 0;
    });
    socket.addEventListener("message", (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      handle(socket, data);
    });
    socket.addEventListener("close", (event) => {
      clearInterval(state.pingTimer);
      state.socket = null;
      if (event.code === 1008 && state.attempt > 3) return setStatus("error");
      if (!opened) state.refused += 1;
      // Still retried (slowly), in case the refusal was a passing one; the label tells the truth.
      setStatus(refusedTooOften() ? "error" : "offline");
      // 1012: the replica is restarting; another one takes us at once.
      scheduleReconnect(event.code === 1012);
    });
  }

  function handle(socket, message) {
    switch (message.type) {
      case "ready": {
        const subscribe = { type: "subscribe", channel: state.channel };
        if (state.lastId) subscribe.last_id = state.lastId;
        socket.send(JSON.stringify(subscribe));
        break;
      }
      case "subscribed":
        state.attempt = 0;
        setStatus("live");
        clearInterval(state.pingTimer);
        state.pingTimer = setInterval(() => socket.send('{"type":"ping"}'), PING_EVERY_MS);
        break;
      case "event":
        state.lastId = message.stream_id;
        receive(message.event);
        break;
      case "resync_required":
        resync();
        break;
      case "error":
        if (message.code === "forbidden" || message.code === "unknown_channel") setStatus("error");
        else if (message.code === "unavailable") socket.close(4000, "retry");
        break;
      default:
        break;
    }
  }

  function receive(event) {
    // Delivery is at least once: the same event may come under two stream ids.
    if (event.event_id) {
      if (state.seen.includes(event.event_id)) return;
      state.seen.push(event.event_id);
      if (state.seen.length > 500) state.seen.shift();
    }
    state.events += 1;
    if (event.type === "shipment.status_changed") updateBadges(event);
    if (event.type === "job.progress") updateProgress(event);
    document.dispatchEvent(new CustomEvent("waybill:event", { detail: event }));
    const type = String(event.type || "");
    const family = type.split(".")[0];
    for (const region of document.querySelectorAll("[data-live]")) {
      // A region names event families ("shipment") or exact types ("vehicle.connectivity_changed").
      const wants = region.dataset.live.split(/\s+/);
      if (!wants.includes(family) && !wants.includes(type)) continue;
      const onlyShipment = region.dataset.liveShipment;
      if (onlyShipment && String(event.shipment_id) !== onlyShipment) continue;
      const onlyJob = region.dataset.liveJob;
      if (onlyJob && String(event.job_id) !== onlyJob) continue;
      // A running job's progress is drawn in place; the region re-renders when its state changes.
      if (onlyJob && region.querySelector(`[data-job-state="${event.state}"]`)) continue;
      refresh(region);
    }
  }

  const announcer = document.getElementById("live-announcer");
  function announce(text) {
    if (announcer) announcer.textContent = text;
  }

  function updateBadges(event) {
    const label = String(event.status).replace(/_/g, " ");
    if (document.querySelector(`[data-shipment-id="${event.shipment_id}"], [data-live-shipment="${event.shipment_id}"]`)) {
      announce(`${event.reference} is now ${label}.`);
    }
    const rows = document.querySelectorAll(`[data-shipment-id="${event.shipment_id}"] .badge[data-status]`);
    for (const badge of rows) setBadge(badge, event.status);
    const detail = document.querySelector(`[data-live-shipment="${event.shipment_id}"] #shipment-status .badge`);
    if (detail) setBadge(detail, event.status);
  }

  // A job's bar only ever fills: events may arrive out of order, and a re-render may read a
  // percentage the worker's open transaction has not committed yet.
  const jobPercent = new Map();
  function updateProgress(event) {
    const percent = Math.max(jobPercent.get(event.job_id) || 0, event.percent);
    jobPercent.set(event.job_id, percent);
    showProgress(event.job_id, percent);
  }
  function showProgress(jobId, percent) {
    for (const bar of document.querySelectorAll(`progress[data-job-id="${jobId}"]`)) {
      if (bar.value >= percent) continue;
      bar.value = percent;
      bar.textContent = `${percent}%`;
    }
  }
  document.addEventListener("htmx:afterSettle", () => {
    for (const [jobId, percent] of jobPercent) showProgress(jobId, percent);
  });

  function setBadge(badge, status) {
    badge.classList.remove(`badge--${badge.dataset.status}`);
    badge.classList.add(`badge--${status}`);
    badge.dataset.status = status;
    badge.textContent = status.replace(/_/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
  }

  const pending = new WeakMap();
  const BUSY_RECHECK_MS = 1000;

  // Someone typing in a form (or signing) inside a region must not lose it to a refresh:
  // the refresh waits until they leave the region's form, or send it.
  function busy(region) {
    const active = document.activeElement;
    if (active && region.contains(active) && active.matches("input, textarea, select")) return true;
    if (region.querySelector("details[open], [data-dirty]")) return true;
    return false;
  }

  function refresh(region) {
    if (!window.htmx || pending.has(region)) return;
    const run = () => {
      if (busy(region)) {
        pending.set(region, setTimeout(run, BUSY_RECHECK_MS));
        return;
      }
      pending.delete(region);
      window.htmx.trigger(region, "wb-refresh");
    };
    pending.set(region, setTimeout(run, REFRESH_DEBOUNCE_MS));
  }

  function resync() {
    for (const region of document.querySelectorAll("[data-live]")) refresh(region);
    document.dispatchEvent(new CustomEvent("waybill:resync"));
  }

  window.addEventListener("online", () => {
    if (!state.socket) scheduleReconnect(true);
  });
  window.addEventListener("pagehide", () => {
    if (state.socket) state.socket.close(1000, "page closed");
  });
  connect();
})();

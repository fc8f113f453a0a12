// The public tracking page follows its shipment over the realtime service's `track:<code>` channel:
// an anonymous connection (no ticket), one whole public view per change (docs/protocol.md).
// Each `tracking` message re-renders the page's status part through htmx; while the socket is
// down the page re-reads itself every 30 s instead.
(() => {
  "use strict";
  const root = document.getElementById("tracking-live");
  if (!root || !root.dataset.wsUrl || !("WebSocket" in window)) return;
  const MAX_BACKOFF_MS = 30_000;
  let attempt = 0;
  let pingTimer = null;

  function connect() {
    const socket = new WebSocket(root.dataset.wsUrl);
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "subscribe", channel: root.dataset.channel }));
      pingTimer = setInterval(() => socket.send('{"type":"ping"}'), 25_000);
    });
    socket.addEventListener("message", (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      if (data.type === "subscribed") {
        attempt = 0;
        root.dataset.socket = "live";
      } else if (data.type === "tracking") {
        // The server renders status, ETA and times in the organization's zone: one format everywhere.
        root.dataset.status = data.tracking.status;
        if (window.htmx) window.htmx.trigger(root, "wb-refresh");
      } else if (data.type === "error" && data.code === "unknown_channel") {
        socket.close(1000, "unknown code");
        attempt = Infinity;
      }
    });
    socket.addEventListener("close", () => {
      clearInterval(pingTimer);
      root.dataset.socket = "down";
      if (attempt === Infinity) return;
      attempt += 1;
      const ceiling = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1));
      setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
    });
  }
  connect();
})();

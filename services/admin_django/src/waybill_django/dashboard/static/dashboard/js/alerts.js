// A toast and a count in the top bar when a shipment goes to exception (late ones included:
// the worker reports lateness as an exception) or is at risk of running late, from the live events.
(() => {
  const toasts = document.getElementById("toasts");
  const badge = document.getElementById("alert-badge");
  const config = document.getElementById("live-config");
  if (!toasts || !badge || !config) return;
  const shipmentUrl = config.dataset.shipmentUrl || "/shipments/0/";
  const atRisk = new Set();
  let count = 0;

  function toast(kind, event, text) {
    const item = document.createElement("div");
    item.className = `toast toast--${kind}`;
    item.dataset.shipmentId = String(event.shipment_id);
    const body = document.createElement("div");
    const link = document.createElement("a");
    link.href = shipmentUrl.replace(/0\/$/, `${Number(event.shipment_id)}/`);
    link.textContent = String(event.reference || "A shipment");
    body.append(link, ` ${text}`);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.addEventListener("click", () => item.remove());
    item.append(body, close);
    toasts.append(item);
    while (toasts.children.length > 5) toasts.firstElementChild.remove();
    count += 1;
    badge.hidden = false;
    badge.querySelector(".alert-badge__count").textContent = String(count);
  }

  document.addEventListener("waybill:event", (custom) => {
    const event = custom.detail || {};
    if (event.type === "shipment.status_changed" && event.status === "exception") {
      const reason = event.reason ? `: ${String(event.reason)}` : ".";
      toast("danger", event, `went to exception${reason}`);
    } else if (event.type === "shipment.eta_updated") {
      if (event.at_risk && !atRisk.has(event.shipment_id)) {
        atRisk.add(event.shipment_id);
        toast("warning", event, "is at risk of arriving after its delivery window.");
      } else if (!event.at_risk) {
        atRisk.delete(event.shipment_id);
      }
    }
  });
})();

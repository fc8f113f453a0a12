// Drag a waiting shipment onto a vehicle to assign it: the same POST the buttons make.
(() => {
  "use strict";
  const form = () => document.getElementById("drop-form");
  document.addEventListener("dragstart", (event) => {
    const ticket = event.target.closest?.("[data-shipment-id][draggable]");
    if (!ticket) return;
    event.dataTransfer.setData("text/x-waybill-shipment", ticket.dataset.shipmentId);
    event.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragover", (event) => {
    const zone = event.target.closest?.(".dropzone");
    if (!zone || !event.dataTransfer.types.includes("text/x-waybill-shipment")) return;
    event.preventDefault();
    zone.classList.add("dropzone--over");
  });
  document.addEventListener("dragleave", (event) => {
    event.target.closest?.(".dropzone")?.classList.remove("dropzone--over");
  });
  document.addEventListener("drop", (event) => {
    const zone = event.target.closest?.(".dropzone");
    const shipment = event.dataTransfer.getData("text/x-waybill-shipment");
    if (!zone || !shipment) return;
    event.preventDefault();
    const drop = form();
    drop.elements.shipment.value = shipment;
    drop.elements.vehicle.value = zone.dataset.vehicleId;
    drop.submit();
  });
})();

// Bulk actions on the shipments list: "select all", a count, and selections kept through live refreshes.
(() => {
  const form = document.getElementById("bulk-form");
  const region = document.getElementById("shipment-table");
  const count = document.getElementById("bulk-count");
  if (!form || !region || !count) return;
  const idle = count.textContent;

  function boxes() {
    return Array.from(region.querySelectorAll('input[name="shipment"]'));
  }

  function update() {
    const ticked = boxes().filter((box) => box.checked).length;
    count.textContent = ticked ? `${ticked} selected` : idle;
    const table = region.querySelector("table");
    // live.js does not refresh a region holding [data-dirty]: a refresh would untick the boxes.
    if (table) table.toggleAttribute("data-dirty", ticked > 0);
    const all = document.getElementById("bulk-all");
    if (all) {
      all.hidden = false;
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    }
  }

  region.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.id === "bulk-all") for (const box of boxes()) box.checked = target.checked;
    update();
  });
  region.addEventListener("htmx:afterSwap", update);
  form.addEventListener("submit", (event) => {
    const exporting = event.submitter && event.submitter.getAttribute("formmethod") === "get";
    if (!exporting && !boxes().some((box) => box.checked)) {
      event.preventDefault();
      count.textContent = "Tick at least one shipment first.";
    }
  });
  update();
})();

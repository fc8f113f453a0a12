// "/" anywhere outside a field jumps to the top bar's shipment search.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || target.closest("input, textarea, select"))) return;
  const search = document.getElementById("global-search");
  if (!search) return;
  event.preventDefault();
  search.focus();
  search.select();
});

// A "Print" button on printable pages (no inline handlers: the CSP allows scripts from files only).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});

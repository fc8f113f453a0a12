// The top navigation on a phone: a menu button opens and closes it (Escape closes it and puts
// focus back on the button). Without JavaScript the button stays hidden and the links wrap.
(() => {
  "use strict";

  function setUp(button) {
    const bar = button.closest(".topbar");
    const nav = document.getElementById(button.getAttribute("aria-controls"));
    if (!bar || !nav) return;
    const open = (yes) => {
      button.setAttribute("aria-expanded", String(yes));
      bar.dataset.menu = yes ? "open" : "closed";
    };
    button.hidden = false;
    open(false);
    button.addEventListener("click", () => open(button.getAttribute("aria-expanded") !== "true"));
    bar.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
      open(false);
      button.focus();
    });
  }

  const start = () => document.querySelectorAll(".menu-button[aria-controls]").forEach(setUp);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// A signature pad for proof of delivery: draw with a finger, mouse or pen; on submit the drawing
// becomes a PNG in the form's file field (the same upload the server validates for photos).
// Without JavaScript the file field itself is shown and works.
(() => {
  "use strict";

  function setUp(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "true";
    const canvas = box.querySelector("canvas");
    const file = box.querySelector(".signature__file");
    const context = canvas.getContext("2d");
    let drawing = false;
    let drawn = false;
    box.classList.add("signature--enhanced");
    context.lineWidth = 4;
    context.lineCap = "round";
    context.strokeStyle = "#111827";

    const point = (event) => {
      const rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) * (canvas.width / rect.width), (event.clientY - rect.top) * (canvas.height / rect.height)];
    };
    canvas.addEventListener("pointerdown", (event) => {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      context.beginPath();
      context.moveTo(...point(event));
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      context.lineTo(...point(event));
      context.stroke();
      drawn = true;
      box.dataset.dirty = "true";
    });
    const stop = () => {
      drawing = false;
    };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    box.querySelector(".signature__clear").addEventListener("click", () => {
      context.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      delete box.dataset.dirty;
    });
    box.closest("form").addEventListener("submit", (event) => {
      if (!drawn || file.files.length) return;
      event.preventDefault();
      const form = event.target;
      canvas.toBlob((blob) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([blob], "signature.png", { type: "image/png" }));
        file.files = transfer.files;
        drawn = false;
        form.requestSubmit();
      }, "image/png");
    });
  }

  const scan = () => document.querySelectorAll("[data-signature]").forEach(setUp);
  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:afterSettle", scan);
  scan();
})();

// A signature pad for proof of delivery: draw with a finger, mouse or pen; on submit the drawing
// becomes a PNG in the form's file field (the same upload the server validates for photos).
// Without JavaScript the file field itself is shown and works. The strokes are kept for the tab
// (sessionStorage), so a delivery the server refuses (a bad photo, say) comes back still signed.
(() => {
  "use strict";

  function setUp(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "true";
    const canvas = box.querySelector("canvas");
    const file = box.querySelector(".signature__file");
    const context = canvas.getContext("2d");
    const form = box.closest("form");
    const key = `waybill:signature:${form.getAttribute("action")}`;
    let drawing = false;
    let drawn = false;
    let strokes = [];
    box.classList.add("signature--enhanced");
    context.lineWidth = 4;
    context.lineCap = "round";
    context.strokeStyle = "#111827";

    const point = (event) => {
      const rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) * (canvas.width / rect.width), (event.clientY - rect.top) * (canvas.height / rect.height)];
    };
    const replay = (saved) => {
      for (const stroke of saved) {
        context.beginPath();
        context.moveTo(...stroke[0]);
        for (const at of stroke.slice(1)) context.lineTo(...at);
        context.stroke();
      }
      strokes = saved;
      drawn = saved.some((stroke) => stroke.length > 1);
      if (drawn) box.dataset.dirty = "true";
    };
    if (form.hasAttribute("data-rejected")) {
      try {
        replay(JSON.parse(sessionStorage.getItem(key) || "[]"));
      } catch {
        sessionStorage.removeItem(key);
      }
    } else {
      sessionStorage.removeItem(key);
    }

    canvas.addEventListener("pointerdown", (event) => {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      context.beginPath();
      const at = point(event);
      context.moveTo(...at);
      strokes.push([at]);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      const at = point(event);
      context.lineTo(...at);
      context.stroke();
      strokes[strokes.length - 1].push(at);
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
      strokes = [];
      sessionStorage.removeItem(key);
      delete box.dataset.dirty;
    });
    form.addEventListener("submit", (event) => {
      if (!drawn || file.files.length) return;
      event.preventDefault();
      sessionStorage.setItem(key, JSON.stringify(strokes.map((stroke) => stroke.map(([x, y]) => [Math.round(x), Math.round(y)]))));
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

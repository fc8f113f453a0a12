// The pick-up's label check on the driver's phone: where the browser has the BarcodeDetector API
// and a camera, "Scan the label" reads the label's QR code through the camera, fills the code
// field and sends the form; the server says whether it is this shipment's label. Everywhere else
// (and whenever the camera is refused) the driver types the code printed under the QR code.
// The cards are re-rendered live (htmx), so forms are set up as they appear.
(() => {
  "use strict";
  const SCAN_EVERY_MS = 200;

  async function canScan() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return false;
    try {
      return (await window.BarcodeDetector.getSupportedFormats()).includes("qr_code");
    } catch {
      return false;
    }
  }

  function stop(form) {
    const video = form.querySelector(".label-scan__video");
    for (const track of video?.srcObject?.getTracks?.() ?? []) track.stop();
    if (video) {
      video.srcObject = null;
      video.hidden = true;
    }
    clearTimeout(Number(form.dataset.scanTimer));
    delete form.dataset.scanning;
  }

  async function scan(form) {
    const video = form.querySelector(".label-scan__video");
    const status = form.querySelector("[data-scan-status]");
    const input = form.querySelector("input[name=label_code]");
    const say = (text) => {
      if (status) status.textContent = text;
    };
    if (form.dataset.scanning) return stop(form);
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch {
      say("The camera is not available: type the code printed under the QR code.");
      input.focus();
      return;
    }
    form.dataset.scanning = "true";
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    say("Point the camera at the QR code on the label.");
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    const look = async () => {
      if (!form.dataset.scanning || !form.isConnected) return stop(form);
      try {
        const [code] = await detector.detect(video);
        if (code?.rawValue) {
          stop(form);
          input.value = code.rawValue;
          say("Label read: checking it…");
          form.requestSubmit();
          return;
        }
      } catch {
        // A frame the detector could not read: try the next one.
      }
      form.dataset.scanTimer = String(setTimeout(look, SCAN_EVERY_MS));
    };
    look();
  }

  async function setUp() {
    const forms = [...document.querySelectorAll("form[data-label-scan]:not([data-ready])")];
    if (!forms.length) return;
    const scanning = await canScan();
    for (const form of forms) {
      form.dataset.ready = "true";
      const scanner = form.querySelector("[data-scanner]");
      if (!scanning || !scanner) continue;
      scanner.hidden = false;
      scanner.querySelector("[data-scan-start]")?.addEventListener("click", () => scan(form));
    }
  }

  // A closed card stops its camera.
  document.addEventListener("toggle", (event) => {
    const form = event.target.querySelector?.("form[data-label-scan]");
    if (form && !event.target.open) stop(form);
  }, true);
  document.body.addEventListener("htmx:afterSwap", setUp);
  setUp();
})();

/* Aduan: renders BPMN diagrams read-only with the bpmn-js navigated viewer (global `BpmnJS`, from
 * /static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js, put there by `make static`).
 *
 * Markup:
 *   <div class="aduan-diagram" data-bpmn-url="/path/to/diagram.bpmn"
 *        data-current="verify" data-done="start,gw_verify_merge"></div>
 * data-current / data-done: comma-separated BPMN element ids, marked `aduan-current` / `aduan-done`.
 * When finished the element gets data-rendered="true"; on failure data-error="<message>" and a short
 * text in the element. No modules, no build step.
 */
(function () {
  "use strict";

  function ids(value) {
    return (value || "").split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function message(el, key, fallback) {
    // Pages may translate the texts with data-msg-error / data-msg-unavailable.
    return el.getAttribute("data-msg-" + key) || fallback;
  }

  function fail(el, err) {
    var text = (err && err.message) ? err.message : String(err);
    el.dataset.error = text;
    el.classList.add("aduan-diagram-failed");
    var note = document.createElement("p");
    note.className = "aduan-diagram-error";
    note.textContent = message(el, "error", "Diagram tidak dapat ditampilkan.");
    el.appendChild(note);
    if (window.console) { console.error("aduan diagram:", text); }
  }

  function mark(canvas, registry, list, marker) {
    list.forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, marker); }
    });
  }

  async function render(el) {
    if (el.dataset.rendered || el.dataset.rendering) { return; }
    el.dataset.rendering = "true";
    try {
      if (typeof window.BpmnJS !== "function") {
        throw new Error(message(el, "unavailable", "bpmn-js viewer not loaded (run `make static`)"));
      }
      var response = await fetch(el.getAttribute("data-bpmn-url"), {
        credentials: "same-origin",
        headers: { "Accept": "application/xml, text/xml, */*" }
      });
      if (!response.ok) { throw new Error("HTTP " + response.status + " " + response.statusText); }
      var xml = await response.text();
      var viewer = new window.BpmnJS({ container: el });
      el.aduanViewer = viewer;
      await viewer.importXML(xml);
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      mark(canvas, registry, ids(el.getAttribute("data-done")), "aduan-done");
      mark(canvas, registry, ids(el.getAttribute("data-current")), "aduan-current");
      el.dataset.rendered = "true";
    } catch (err) {
      fail(el, err);
    } finally {
      delete el.dataset.rendering;
    }
  }

  function renderAll(root) {
    var nodes = (root || document).querySelectorAll("[data-bpmn-url]");
    return Promise.all(Array.prototype.map.call(nodes, render));
  }

  window.AduanDiagram = { render: render, renderAll: renderAll };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { renderAll(); });
  } else {
    renderAll();
  }
})();

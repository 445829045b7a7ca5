/* Aduan: renders BPMN diagrams read-only with the bpmn-js navigated viewer (global `BpmnJS`, from
 * /static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js, put there by `make static`).
 *
 * Markup:
 *   <div class="aduan-diagram" data-bpmn-url="/path/to/diagram.bpmn"
 *        data-current="verify" data-done="start,gw_verify_merge"></div>
 * data-current / data-done: comma-separated BPMN element ids, marked `aduan-current` / `aduan-done`.
 * data-heatmap-url: JSON [{step, waiting, overdue, median_days}] drawn as a badge on each step
 *   (texts from data-msg-waiting / -overdue / -days); the element gets data-heatmap="<total waiting>".
 * data-diff-url + data-side="old"|"new": JSON [{element, change}] from the diff API; the old side
 *   marks removed and changed elements, the new side added and changed (aduan-added/-changed/-removed).
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
      if (el.getAttribute("data-heatmap-url")) { await heatmap(el, viewer); }
      if (el.getAttribute("data-diff-url")) { await differences(el, viewer); }
      el.dataset.rendered = "true";
    } catch (err) {
      fail(el, err);
    } finally {
      delete el.dataset.rendering;
    }
  }

  async function json(url) {
    var response = await fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } });
    if (!response.ok) { throw new Error("HTTP " + response.status + " " + response.statusText); }
    return response.json();
  }

  async function heatmap(el, viewer) {
    var load = await json(el.getAttribute("data-heatmap-url"));
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    var total = 0;
    load.forEach(function (step) {
      if (!registry.get(step.step)) { return; }
      total += step.waiting;
      var badge = document.createElement("div");
      badge.className = "aduan-heat" + (step.overdue ? " has-overdue" : "");
      badge.dataset.step = step.step;
      badge.dataset.waiting = String(step.waiting);
      badge.dataset.overdue = String(step.overdue);
      badge.title = step.waiting + " " + message(el, "waiting", "waiting") + " · " + step.overdue + " "
        + message(el, "overdue", "overdue") + " · " + step.median_days + " " + message(el, "days", "working days");
      var count = document.createElement("strong");
      count.textContent = String(step.waiting);
      badge.appendChild(count);
      if (step.overdue) {
        var late = document.createElement("span");
        late.className = "late";
        late.textContent = step.overdue + " " + message(el, "overdue", "overdue");
        badge.appendChild(late);
      }
      var days = document.createElement("span");
      days.className = "days";
      days.textContent = step.median_days + " " + message(el, "days-short", "wd");
      badge.appendChild(days);
      overlays.add(step.step, { position: { top: -14, left: -6 }, html: badge });
      viewer.get("canvas").addMarker(step.step, step.overdue ? "aduan-hot" : "aduan-warm");
    });
    el.dataset.heatmap = String(total);
  }

  async function differences(el, viewer) {
    var changes = await json(el.getAttribute("data-diff-url"));
    var side = el.getAttribute("data-side");
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var shown = changes.filter(function (c) {
      return c.change === "changed" || (side === "old" ? c.change === "removed" : c.change === "added");
    });
    shown.forEach(function (c) {
      if (registry.get(c.element)) { canvas.addMarker(c.element, "aduan-" + c.change); }
    });
    el.dataset.marked = shown.map(function (c) { return c.element; }).join(",");
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

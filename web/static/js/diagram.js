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
 *
 * Accessibility: the diagram's canvas (an <svg> with tabindex=0) is named (data-msg-label) and
 * described (data-msg-keys); when it has the focus the arrow keys move the diagram (Shift: faster),
 * + and - zoom, 0 fits it to the frame. After the element comes <ol class="sr-only" data-steps>, the
 * named steps in the order of the flow, each with its lane and where its branches lead, the current
 * and passed ones marked: what a screen reader reads instead of the picture. Texts: data-msg-* on the
 * element, else on this script's <script> tag (the page's language), else English.
 *
 * Labels: the text is laid out by measuring words in the font it is drawn in. Where Arial is missing
 * (Linux without its fonts) the fallback, DejaVu Sans, is wider, and bpmn-js cut words whose width
 * exceeds a label's stored box in two ("Diarsipka n"). So the viewer draws in Arial or a font with
 * its metrics, else in DejaVu Sans Condensed, at 11px, and widens an outside label (event, gateway,
 * flow) whose longest word still does not fit its box.
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript;
  var FONT = 'Arial, "Liberation Sans", Arimo, Helvetica, "Nimbus Sans", "DejaVu Sans Condensed", sans-serif';
  var TEXT_STYLE = { defaultStyle: { fontFamily: FONT, fontSize: 11 }, externalStyle: { fontSize: 11 } };
  var MOVE = 50;
  var MOVE_FAST = 200;
  var ZOOM_STEP = 1.25;
  var counter = 0;

  function ids(value) {
    return (value || "").split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function message(el, key, fallback) {
    // Pages translate the texts with data-msg-* on the element or on the script tag (viewer_scripts).
    return el.getAttribute("data-msg-" + key) || (SCRIPT && SCRIPT.getAttribute("data-msg-" + key)) || fallback;
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
      var viewer = new window.BpmnJS({ container: el, textRenderer: TEXT_STYLE });
      el.aduanViewer = viewer;
      await viewer.importXML(xml);
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      fitLabels(viewer);
      canvas.zoom("fit-viewport");
      mark(canvas, registry, ids(el.getAttribute("data-done")), "aduan-done");
      mark(canvas, registry, ids(el.getAttribute("data-current")), "aduan-current");
      accessible(el, viewer);
      if (el.getAttribute("data-heatmap-url")) { await heatmap(el, viewer); }
      if (el.getAttribute("data-diff-url")) { await differences(el, viewer); }
      el.dataset.rendered = "true";
    } catch (err) {
      fail(el, err);
    } finally {
      delete el.dataset.rendering;
    }
  }

  // An outside label whose longest word is wider than its stored box gets a box that fits the word,
  // around the same centre, instead of the word cut in two.
  function fitLabels(viewer) {
    var registry = viewer.get("elementRegistry");
    var graphics = viewer.get("graphicsFactory");
    var style = viewer.get("textRenderer").getExternalStyle();
    var context = document.createElement("canvas").getContext("2d");
    if (!context) { return; }
    context.font = (style.fontWeight || "normal") + " " + style.fontSize + "px " + style.fontFamily;
    registry.filter(function (element) {
      return element.type === "label" && element.businessObject && element.businessObject.name;
    }).forEach(function (label) {
      var widest = 0;
      label.businessObject.name.split(/\s+/).forEach(function (word) {
        widest = Math.max(widest, context.measureText(word).width);
      });
      var needed = Math.ceil(widest) + 2;
      if (needed <= label.width) { return; }
      label.x -= Math.round((needed - label.width) / 2);
      label.width = needed;
      graphics.update("shape", label, registry.getGraphics(label));
    });
  }

  function words(text) {
    return (text || "").replace(/\s+/g, " ").trim();
  }

  // The canvas is named, described and moved with the keyboard; the steps follow as a list.
  function accessible(el, viewer) {
    var number = ++counter;
    var base = el.id || ("aduan-diagram-" + number);
    var svg = el.querySelector(".djs-container > svg") || el.querySelector("svg");
    var hint = document.createElement("p");
    hint.className = "sr-only";
    hint.id = base + "-keys";
    hint.textContent = message(el, "keys", "Arrow keys move the diagram, + and - zoom in and out, 0 fits it "
      + "to the frame. The steps are listed after the diagram.");
    var list = stepList(el, viewer);
    list.id = base + "-steps";
    el.parentNode.insertBefore(list, el.nextSibling);
    el.parentNode.insertBefore(hint, list);
    if (svg) {
      svg.setAttribute("tabindex", "0");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", message(el, "label", "Process diagram"));
      svg.setAttribute("aria-describedby", hint.id);
    }
    var canvas = viewer.get("canvas");
    viewer.get("keyboard").addListener(function (context) {
      var event = context.keyEvent;
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }  // Ctrl+arrows: bpmn-js's own
      var step = event.shiftKey ? MOVE_FAST : MOVE;
      var moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (moves[event.key]) {
        canvas.scroll({ dx: moves[event.key][0], dy: moves[event.key][1] });
        return true;
      }
      if (event.key === "+" || event.key === "=") { canvas.zoom(canvas.zoom() * ZOOM_STEP); return true; }
      if (event.key === "-" || event.key === "_") { canvas.zoom(canvas.zoom() / ZOOM_STEP); return true; }
      if (event.key === "0") { canvas.zoom("fit-viewport"); return true; }
    });
  }

  function isNode(element) {
    var bo = element.businessObject;
    return element.type !== "label" && !element.waypoints && bo && bo.$instanceOf
      && bo.$instanceOf("bpmn:FlowNode");
  }

  // The first named node along a chain of unnamed ones (a merging gateway has no name).
  function named(shape) {
    for (var hops = 0; shape && hops < 20; hops++) {
      if (words(shape.businessObject.name)) { return shape; }
      var onward = (shape.outgoing || []).filter(function (c) { return c.target; });
      if (onward.length !== 1) { return null; }
      shape = onward[0].target;
    }
    return null;
  }

  // The named steps in the order of the flow: breadth first from the start events, a task's
  // boundary events right after it; nodes the walk does not reach come last.
  function stepList(el, viewer) {
    var registry = viewer.get("elementRegistry");
    var nodes = registry.filter(isNode);
    var lanes = {};
    registry.filter(function (e) { return e.businessObject && e.businessObject.$type === "bpmn:Lane"; })
      .forEach(function (lane) {
        (lane.businessObject.flowNodeRef || []).forEach(function (node) {
          lanes[node.id] = words(lane.businessObject.name);
        });
      });
    var current = ids(el.getAttribute("data-current"));
    var done = ids(el.getAttribute("data-done"));
    var order = [];
    var seen = {};
    var queue = nodes.filter(function (n) { return n.businessObject.$type === "bpmn:StartEvent"; });
    function visit(shape) {
      if (!shape || seen[shape.id] || !isNode(shape)) { return; }
      seen[shape.id] = true;
      order.push(shape);
      (shape.attachers || []).forEach(visit);
      queue.push.apply(queue, (shape.outgoing || []).map(function (c) { return c.target; }));
    }
    while (queue.length) { visit(queue.shift()); }
    nodes.forEach(visit);

    var list = document.createElement("ol");
    list.className = "sr-only";
    list.setAttribute("data-steps", "");
    list.setAttribute("aria-label", message(el, "steps", "Steps of the process"));
    order.forEach(function (shape) {
      var bo = shape.businessObject;
      var name = words(bo.name);
      if (!name) { return; }
      var item = document.createElement("li");
      item.setAttribute("data-element", shape.id);
      var text = name + (lanes[bo.id] ? " — " + lanes[bo.id] : "");
      if (current.indexOf(shape.id) !== -1) {
        text += " (" + message(el, "current", "current step") + ")";
        item.setAttribute("data-current", "");
      } else if (done.indexOf(shape.id) !== -1) {
        text += " (" + message(el, "done", "done") + ")";
      }
      item.textContent = text;
      var ways = (shape.outgoing || []).filter(function (c) { return c.target; });
      var branching = ways.length > 1 || bo.$type === "bpmn:BoundaryEvent"
        || ways.some(function (c) { return words(c.businessObject.name); });
      if (branching) {
        var branches = document.createElement("ul");
        ways.forEach(function (c) {
          var target = named(c.target);
          var label = words(c.businessObject.name);
          if (!target && !label) { return; }
          var branch = document.createElement("li");
          branch.textContent = (label ? label + " " : "") + "→ " + (target ? words(target.businessObject.name) : "…");
          branches.appendChild(branch);
        });
        if (branches.childNodes.length) { item.appendChild(branches); }
      }
      list.appendChild(item);
    });
    return list;
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

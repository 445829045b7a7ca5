/* Aduan: the process designer's modeler page (web/templates/designer/modeler.html).
 *
 * The modeler (bpmn-js + Camunda properties panel + bpmnlint) comes from
 * /static/vendor/modeler/modeler.js (`window.AduanModeler`, bundled by `make static`). Everything is
 * saved, validated and deployed through the JSON API with the session cookie and the page's CSRF
 * token: a save sends If-Match with the draft's revision (412 names who saved since), validation
 * lists Aduan's server-side problems and marks their elements (clicking one selects it).
 */
(function () {
  "use strict";

  var root = document.getElementById("designer");
  if (!root) { return; }
  var status = document.getElementById("status");
  var problemsList = document.getElementById("problems");
  var revisionLabel = document.getElementById("revision");
  var editable = root.dataset.editable === "true";
  var etag = null;
  var dirty = false;
  var modeler = null;
  var overlayIds = [];

  function msg(name, values) {
    var text = root.getAttribute("data-msg-" + name) || name;
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(values[key]); });
    return text;
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "designer-status " + (kind || "");
  }

  function headers(extra) {
    var h = { "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" };
    Object.keys(extra || {}).forEach(function (k) { h[k] = extra[k]; });
    return h;
  }

  async function request(url, options) {
    var response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
    var body = null;
    try { body = await response.json(); } catch (ignored) { body = null; }
    return { ok: response.ok, status: response.status, body: body, etag: response.headers.get("ETag") };
  }

  function setRevision(tag) {
    etag = tag;
    var rev = (tag || "").replace(/"/g, "").replace(/^r/, "");
    revisionLabel.dataset.revision = rev;
    revisionLabel.textContent = revisionLabel.textContent.replace(/\d+$/, rev);
  }

  async function currentXml() {
    var result = await modeler.saveXML({ format: true });
    return result.xml;
  }

  function clearMarks() {
    var overlays = modeler.get("overlays");
    var canvas = modeler.get("canvas");
    overlayIds.forEach(function (id) { overlays.remove(id); });
    overlayIds = [];
    modeler.get("elementRegistry").forEach(function (element) { canvas.removeMarker(element.id, "aduan-problem"); });
  }

  function select(elementId) {
    var element = modeler.get("elementRegistry").get(elementId);
    if (!element) { return; }
    modeler.get("selection").select(element);
    modeler.get("canvas").scrollToElement(element);
    document.getElementById("canvas").scrollIntoView({ behavior: "smooth", block: "center" });
  }

  function showProblems(problems) {
    clearMarks();
    problemsList.innerHTML = "";
    var registry = modeler.get("elementRegistry");
    var counts = {};
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      var element = problem.element ? registry.get(problem.element) : null;
      var name = element && element.businessObject && element.businessObject.name;
      if (name) {  // the element's name first: the message names its id
        var strong = document.createElement("strong");
        strong.textContent = name + " — ";
        item.appendChild(strong);
      }
      item.appendChild(document.createTextNode(problem.message));
      item.dataset.code = problem.code;
      if (problem.element) {
        item.dataset.element = problem.element;
        item.tabIndex = 0;
        item.className = "clickable";
        item.addEventListener("click", function () { select(problem.element); });
        item.addEventListener("keydown", function (e) { if (e.key === "Enter") { select(problem.element); } });
        counts[problem.element] = (counts[problem.element] || 0) + 1;
      }
      problemsList.appendChild(item);
    });
    Object.keys(counts).forEach(function (elementId) {
      if (!registry.get(elementId)) { return; }
      modeler.get("canvas").addMarker(elementId, "aduan-problem");
      var badge = document.createElement("div");
      badge.className = "aduan-problem-badge";
      badge.dataset.element = elementId;
      badge.textContent = "!" + (counts[elementId] > 1 ? " " + counts[elementId] : "");
      badge.title = problems.filter(function (p) { return p.element === elementId; })
        .map(function (p) { return p.message; }).join("\n");
      badge.addEventListener("click", function () { select(elementId); });
      overlayIds.push(modeler.get("overlays").add(elementId, { position: { top: -12, right: 8 }, html: badge }));
    });
    root.dataset.problems = String(problems.length);
    say(problems.length ? msg("problems", { n: problems.length }) : msg("valid"), problems.length ? "bad" : "good");
  }

  async function validate() {
    var response = await request(root.dataset.validateUrl, {
      method: "POST", headers: headers({ "Content-Type": "application/xml" }), body: await currentXml()
    });
    if (!response.ok) { return fail(response); }
    showProblems(response.body.problems);
    return response.body.valid;
  }

  function fail(response) {
    var body = response.body || {};
    if (response.status === 412 && body.saved_by) {
      say(msg("stale", { who: body.saved_by, when: new Date(body.saved_at).toLocaleString() }), "bad");
    } else {
      say(msg("failed", { reason: body.message || ("HTTP " + response.status) }), "bad");
    }
    return false;
  }

  async function save() {
    var response = await request(root.dataset.draftUrl, {
      method: "PUT", headers: headers({ "Content-Type": "application/xml", "If-Match": etag }), body: await currentXml()
    });
    if (!response.ok) { return fail(response); }
    setRevision(response.etag);
    dirty = false;
    root.dataset.saved = "true";
    await validate();  // validation runs on every save
    if (status.className.indexOf("bad") === -1) { say(msg("saved", { rev: response.body.revision }), "good"); }
    return true;
  }

  async function deploy() {
    var note = document.getElementById("note").value.trim();
    if (!note) { say(msg("note"), "bad"); document.getElementById("note").focus(); return; }
    if (dirty && !(await save())) { return; }
    var response = await request(root.dataset.deployUrl, {
      method: "POST", headers: headers({ "Content-Type": "application/json", "If-Match": etag }),
      body: JSON.stringify({ note: note })
    });
    if (response.status === 422) { await validate(); return; }
    if (!response.ok) { return fail(response); }
    say(msg("deployed", { n: response.body.version }), "good");
    root.dataset.deployed = String(response.body.version);
    window.location.assign(root.dataset.doneUrl + (root.dataset.doneUrl.indexOf("?") === -1 ? "?" : "&")
                           + "deployed=" + response.body.version);
  }

  async function discard() {
    if (!window.confirm(msg("confirm-discard"))) { return; }
    var response = await request(root.dataset.draftUrl, { method: "DELETE", headers: headers({ "If-Match": etag }) });
    if (!response.ok && response.status !== 204) { return fail(response); }
    dirty = false;
    window.location.assign(root.dataset.doneUrl);
  }

  function guard(action) {
    return function () {
      action().catch(function (err) { say(msg("failed", { reason: err.message || String(err) }), "bad"); });
    };
  }

  async function start() {
    if (!window.AduanModeler) { throw new Error("modeler not loaded (run `make static`)"); }
    var dictionaries = window.AduanModelerTranslations || {};
    modeler = window.AduanModeler.create({
      container: document.getElementById("canvas"),
      propertiesParent: document.getElementById("properties"),
      translations: dictionaries[document.documentElement.lang] || null
    });
    window.aduanModeler = modeler;  // for the browser tests and the curious
    var response = await request(root.dataset.draftUrl, { headers: headers() });
    if (!response.ok) { return fail(response); }
    setRevision(response.etag);
    await modeler.importXML(response.body.bpmn_xml);
    var canvas = modeler.get("canvas");
    canvas.zoom("fit-viewport");
    var box = canvas.viewbox();  // widen the view so the diagram clears the palette on the left
    var margin = 80 / box.scale;
    canvas.viewbox({ x: box.x - margin, y: box.y, width: box.width + margin, height: box.height });
    modeler.on("commandStack.changed", function () { dirty = true; root.dataset.saved = "false"; });
    document.getElementById("save").addEventListener("click", guard(save));
    document.getElementById("validate").addEventListener("click", guard(validate));
    document.getElementById("deploy").addEventListener("click", guard(deploy));
    document.getElementById("discard").addEventListener("click", guard(discard));
    window.addEventListener("beforeunload", function (event) {
      if (dirty && editable) { event.preventDefault(); event.returnValue = msg("unsaved"); }
    });
    await validate();
    root.dataset.ready = "true";
  }

  start().catch(function (err) {
    root.dataset.error = err.message || String(err);
    say(msg("failed", { reason: root.dataset.error }), "bad");
  });
})();

/* Copy buttons for secrets shown once (a new API key, a webhook's signing secret): a button with
   data-copy="<id of an input or element>" copies its value or text; data-copied / data-copy-failed hold
   what to say after. A page that shows such a secret is the answer to a POST: its address is turned back
   into the GET's, so reloading shows the page without the secret instead of posting the form again. */
(function () {
  "use strict";
  function say(button, text) {
    var status = button.closest("section, form, div").parentNode.querySelector("[data-copy-status]");
    if (status) { status.textContent = text; }
  }
  function fallback(source) {
    if (source.select) { source.focus(); source.select(); }
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.value !== undefined ? source.value : source.textContent;
    var done = function () { say(button, button.getAttribute("data-copied") || ""); button.setAttribute("data-done", "true"); };
    var failed = function () {
      if (fallback(source)) { done(); } else { say(button, button.getAttribute("data-copy-failed") || ""); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("button[data-copy]") && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname);
    }
  });
})();

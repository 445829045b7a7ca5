// The report form: show the extra fields of the chosen category only (the server reads only those).
(function () {
  "use strict";
  var select = document.getElementById("category");
  if (!select) { return; }
  function show() {
    document.querySelectorAll("[data-category-fields]").forEach(function (box) {
      box.hidden = box.getAttribute("data-category-fields") !== select.value;
    });
  }
  select.addEventListener("change", show);
  show();
})();

/* A preview of the photos chosen in a file field (input[data-preview="<id of the preview box>"]), and
   character counters. */
(function () {
  "use strict";
  // A counter under a text field with a maxlength (data-counter="<id of the counter>"): a paste that is too
  // long is cut by the browser, so the writer sees how much room is left.
  function counters() {
    document.querySelectorAll("[data-counter][maxlength]").forEach(function (field) {
      var out = document.getElementById(field.getAttribute("data-counter"));
      var max = parseInt(field.getAttribute("maxlength"), 10);
      function show() { out.textContent = field.value.length + " / " + max; }
      field.addEventListener("input", show);
      show();
    });
  }
  document.addEventListener("DOMContentLoaded", counters);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
      var box = document.getElementById(input.getAttribute("data-preview"));
      if (!box) { return; }
      input.addEventListener("change", function () {
        box.replaceChildren();
        Array.prototype.forEach.call(input.files, function (file) {
          var item = document.createElement("figure");
          if (/^image\/(jpeg|png)$/.test(file.type)) {
            var img = document.createElement("img");
            img.src = URL.createObjectURL(file);
            img.alt = file.name;
            item.appendChild(img);
          }
          var name = document.createElement("figcaption");
          name.textContent = file.name;
          item.appendChild(name);
          box.appendChild(item);
        });
      });
    });
  });
})();

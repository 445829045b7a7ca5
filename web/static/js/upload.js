/* A preview of the photos chosen in a file field (input[data-preview="<id of the preview box>"]). */
(function () {
  "use strict";
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

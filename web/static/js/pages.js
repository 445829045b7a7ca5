/* Small progressive enhancements for Aduan's forms; every page works without them. */
(function () {
  "use strict";
  // Fields required only for some answers (the BPMN's required_if) are hidden while they do not apply.
  function valueOf(form, name) {
    var checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) { return checked.value; }
    var field = form.querySelector('select[name="' + name + '"], input[name="' + name + '"]:not([type=radio])');
    return field ? field.value : "";
  }
  function refresh(form) {
    form.querySelectorAll("[data-required-if]").forEach(function (box) {
      var rule = box.getAttribute("data-required-if").split(":");
      var values = rule[1].split(",");
      var applies = values.indexOf(valueOf(form, rule[0])) !== -1;
      var hasError = box.classList.contains("has-error");
      box.hidden = !applies && !hasError;
    });
  }
  // The instansi picker shows the instansi of the chosen region (and its province) first.
  function filterInstansi() {
    var region = document.getElementById("region_id");
    var instansi = document.getElementById("instansi_id");
    if (!region || !instansi) { return; }
    region.addEventListener("change", function () {
      var chosen = region.value;
      var picked = region.options[region.selectedIndex];
      var parent = picked ? picked.getAttribute("data-parent") : "";
      instansi.querySelectorAll("option[data-region]").forEach(function (option) {
        var at = option.getAttribute("data-region");
        option.hidden = chosen !== "" && at !== chosen && at !== parent;
      });
      var selected = instansi.options[instansi.selectedIndex];
      if (selected && selected.hidden) { instansi.value = ""; }
    });
  }
  // A select with data-filters="<id>" shows only the options of that other select that belong to its
  // value (data-instansi), e.g. the units of the chosen instansi on the routing page.
  function filterDependents() {
    document.querySelectorAll("select[data-filters]").forEach(function (owner) {
      var target = document.getElementById(owner.getAttribute("data-filters"));
      if (!target) { return; }
      function apply() {
        target.querySelectorAll("option[data-instansi]").forEach(function (option) {
          option.hidden = option.getAttribute("data-instansi") !== owner.value;
        });
        var selected = target.options[target.selectedIndex];
        if (selected && selected.hidden) { target.value = ""; }
      }
      owner.addEventListener("change", apply);
      apply();
    });
  }
  // Forms that undo something ask first (data-confirm holds the question).
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-required-if]")) { return; }
      refresh(form);
      form.addEventListener("change", function () { refresh(form); });
    });
    filterInstansi();
    filterDependents();
  });
})();

/* Small progressive enhancements for Aduan's forms; every page works without them. */
(function () {
  "use strict";
  // Fields required only for some answers (the BPMN's required_if), and fields asked only for some
  // (shown_if), are hidden while they do not apply.
  function valueOf(form, name) {
    var checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) { return checked.value; }
    var field = form.querySelector('select[name="' + name + '"], input[name="' + name + '"]:not([type=radio])');
    return field ? field.value : "";
  }
  function applies(form, condition) {
    var rule = condition.split(":");
    return rule[1].split(",").indexOf(valueOf(form, rule[0])) !== -1;
  }
  function refresh(form) {
    form.querySelectorAll("[data-required-if], [data-shown-if]").forEach(function (box) {
      var required = box.getAttribute("data-required-if");
      var shown = box.getAttribute("data-shown-if");
      var wanted = (!required || applies(form, required)) && (!shown || applies(form, shown));
      box.hidden = !wanted && !box.classList.contains("has-error");
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
  // Forms that undo something ask first (data-confirm holds the question); so does a ticked checkbox
  // with data-confirm (e.g. "deactivate this account" on the hand-over).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.getAttribute) { return; }
    var questions = [form.getAttribute("data-confirm")];
    form.querySelectorAll("input[type=checkbox][data-confirm]:checked").forEach(function (box) {
      questions.push(box.getAttribute("data-confirm"));
    });
    var question = questions.filter(Boolean).join("\n\n");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-required-if], [data-shown-if]")) { return; }
      refresh(form);
      form.addEventListener("change", function () { refresh(form); });
    });
    filterInstansi();
    filterDependents();
  });
})();

// Filters: status buttons (several may be pressed; none means all) and a
// profile. A rule row or matrix chip is shown when it passes both.
(function () {
  "use strict";
  var items = document.querySelectorAll("[data-rule]");
  var rows = document.querySelectorAll("tr.rule");
  var buttons = document.querySelectorAll("[data-filter-status]");
  var profile = document.getElementById("profile-filter");
  var shown = document.getElementById("shown");

  function apply() {
    var statuses = [];
    buttons.forEach(function (b) {
      if (b.getAttribute("aria-pressed") === "true") statuses.push(b.dataset.filterStatus);
    });
    var p = profile.value;
    items.forEach(function (el) {
      var okStatus = statuses.length === 0 || statuses.indexOf(el.dataset.status) >= 0;
      var okProfile = p === "" || el.dataset.profiles.split(" ").indexOf(p) >= 0;
      el.hidden = !(okStatus && okProfile);
    });
    var visible = 0;
    rows.forEach(function (r) { if (!r.hidden) visible++; });
    shown.textContent = visible + " of " + rows.length + " rules";
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true");
      apply();
    });
  });
  profile.addEventListener("change", apply);
  document.getElementById("clear-filters").addEventListener("click", function () {
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    profile.value = "";
    apply();
  });
  apply();
}());

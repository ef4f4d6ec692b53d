// Keeps SLA badges current between page loads: recolours and rewrites the time left.
(function () {
  "use strict";
  var labels = document.documentElement.dataset;
  function text(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    // The same wording as the server's (translated, in data-units-* of <html>).
    function fill(pattern, values) {
      return pattern.replace(/%\((\w)\)s/g, function (_match, key) { return values[key]; });
    }
    var parts = { d: days, h: hours, m: mins };
    if (days) return fill(labels.unitsDh || "%(d)s d %(h)s h", parts);
    if (hours) return fill(labels.unitsHm || "%(h)s h %(m)s min", parts);
    return fill(labels.unitsM || "%(m)s min", parts);
  }
  function refresh() {
    var now = Date.now();
    document.querySelectorAll(".sla-badge[data-due]").forEach(function (badge) {
      var left = (Date.parse(badge.dataset.due) - now) / 1000;
      var warn = badge.dataset.warn ? Date.parse(badge.dataset.warn) : null;
      badge.classList.remove("text-bg-success", "text-bg-warning", "text-bg-danger");
      if (left <= 0) {
        badge.classList.add("text-bg-danger");
        badge.textContent = (labels.slaOverdue || "Overdue %s").replace("%s", text(left));
      } else {
        badge.classList.add(warn !== null && now >= warn ? "text-bg-warning" : "text-bg-success");
        badge.textContent = (labels.slaLeft || "%s left").replace("%s", text(left));
      }
    });
  }
  setInterval(refresh, 30000);
  document.addEventListener("htmx:afterSwap", refresh);
})();

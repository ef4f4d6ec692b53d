/* The bulk action bar of a ticket list (tickets/_bulk_bar.html). Without this file the bar
   is a plain form: every option is shown, and "select all on this page" is sent as such.
   With it: the header box ticks every row, the bar shows only what the chosen action
   needs, and after an htmx bulk action the list is drawn again. */
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) { return; }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll('input[name="tickets"][form="bulk-form"]'));
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "all_on_page" && target.getAttribute("form") === "bulk-form") {
      rows().forEach(function (box) { box.checked = target.checked; });
    } else if (target.name === "tickets" && target.getAttribute("form") === "bulk-form") {
      var all = document.querySelector('input[name="all_on_page"][form="bulk-form"]');
      if (all && !target.checked) { all.checked = false; }
    }
  });

  var action = form.querySelector('select[name="action"]');
  function showParams() {
    var chosen = action.value;
    Array.prototype.forEach.call(form.querySelectorAll(".bulk-param"), function (part) {
      var wanted = (part.dataset.for || "").split(" ");
      part.classList.toggle("d-none", wanted.indexOf(chosen) === -1);
    });
  }
  if (action) {
    action.addEventListener("change", showParams);
    showParams();
  }

  // A refused bulk request (400: no ticket ticked, no reason, over the cap) shows why.
  form.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("tickets-changed", function () {
    ["queue-table", "list-table"].forEach(function (id) {
      if (typeof htmx !== "undefined" && document.getElementById(id)) {
        htmx.ajax("GET", window.location.href, { target: "#" + id, swap: "innerHTML" });
      }
    });
  });
})();

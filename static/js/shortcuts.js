/* Keyboard shortcuts for support staff (listed in the help overlay, "?"), a warning
   before leaving an unsent reply, and the queue refreshing itself. */
(function () {
  "use strict";

  function typing(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  function focusField(selector) {
    var field = document.querySelector(selector);
    if (!field) { return false; }
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  }

  function queueLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-table tbody a.ticket-link"));
  }

  function moveInQueue(step) {
    var links = queueLinks();
    if (!links.length) { return false; }
    var index = links.indexOf(document.activeElement);
    index = index < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(Math.max(index + step, 0), links.length - 1);
    links[index].focus();
    return true;
  }

  var actions = {
    "?": function () {
      var dialog = document.getElementById("shortcuts-help");
      if (!dialog || typeof bootstrap === "undefined") { return false; }
      bootstrap.Modal.getOrCreateInstance(dialog).show();
      return true;
    },
    "/": function () { return focusField("#id_q"); },
    "j": function () { return moveInQueue(1); },
    "k": function () { return moveInQueue(-1); },
    "r": function () { return focusField("#form-comment textarea"); },
    "t": function () {
      var take = document.getElementById("take-form");
      if (!take) { return false; }
      take.requestSubmit();
      return true;
    },
    "e": function () { return focusField("#form-escalate textarea"); },
    "s": function () { return focusField("#form-resolve textarea"); }
  };

  // Escape closes the help even when pressed while it is still fading in (Bootstrap ignores
  // a hide during its show transition, so the hide waits for the transition's end).
  var help = document.getElementById("shortcuts-help");
  var helpOpening = false;
  if (help) {
    help.addEventListener("show.bs.modal", function () { helpOpening = true; });
    help.addEventListener("shown.bs.modal", function () { helpOpening = false; });
  }

  function closeHelp() {
    if (!help || typeof bootstrap === "undefined") { return false; }
    var modal = bootstrap.Modal.getOrCreateInstance(help);
    if (helpOpening) {
      help.addEventListener("shown.bs.modal", function () { modal.hide(); }, { once: true });
      return true;
    }
    if (!help.classList.contains("show")) { return false; }
    modal.hide();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    if (event.key === "Escape" && closeHelp()) { return; }
    if (typing(document.activeElement)) {
      if (event.key === "Escape") { document.activeElement.blur(); }
      return;
    }
    if (!document.body.hasAttribute("data-shortcuts")) { return; }
    var action = actions[event.key];
    if (action && action()) { event.preventDefault(); }
  });

  // A reply typed but not sent is not lost to a stray click or a closed tab.
  var reply = document.querySelector("#form-comment textarea");
  if (reply && reply.form) {
    var sending = false;
    reply.form.addEventListener("submit", function () { sending = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!sending && reply.value.trim()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // The queue refreshes itself every 30 s while it is on screen and nobody is working in it.
  var queue = document.getElementById("queue-table");
  if (queue && typeof htmx !== "undefined") {
    var every = parseInt(queue.dataset.refreshSeconds || "30", 10) * 1000;
    setInterval(function () {
      // Nor while tickets are ticked for a bulk action (tickets/_bulk_bar.html).
      var ticked = document.querySelector('input[name="tickets"][form="bulk-form"]:checked');
      if (document.visibilityState === "visible" && !queue.contains(document.activeElement) && !ticked) {
        htmx.ajax("GET", window.location.href, { target: "#queue-table", swap: "innerHTML" });
      }
    }, every);
  }
})();

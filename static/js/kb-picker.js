/* The reply box's article picker: a chosen article's title and full address go into the
   reply where the cursor is (the list itself comes from htmx). */
(function () {
  "use strict";

  var picker = document.querySelector("[data-kb-picker]");
  if (!picker) { return; }

  picker.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kb-insert]");
    var reply = document.querySelector(picker.getAttribute("data-kb-target"));
    if (!button || !reply) { return; }
    var text = button.getAttribute("data-kb-insert");
    var start = reply.selectionStart || 0;
    var end = reply.selectionEnd || 0;
    var before = reply.value.slice(0, start);
    var after = reply.value.slice(end);
    var lead = before && !/\s$/.test(before) ? "\n" : "";
    var tail = after && !/^\s/.test(after) ? "\n" : "";
    reply.value = before + lead + text + tail + after;
    var caret = (before + lead + text).length;
    reply.focus();
    reply.setSelectionRange(caret, caret);
    reply.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();

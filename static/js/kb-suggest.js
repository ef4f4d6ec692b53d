/* The new-ticket form's article suggestions (htmx fills #kb-suggestions while the subject
   is typed): the list is put right under the subject, and the keyboard reaches it —
   ArrowDown from the subject to the first article, ArrowUp/ArrowDown between them,
   Escape back to the subject. Tab reaches them too, in page order. */
(function () {
  "use strict";

  var region = document.getElementById("kb-suggestions");
  var subject = document.getElementById("id_subject");
  if (!region || !subject) { return; }
  var field = document.getElementById("div_id_subject") || subject;
  field.insertAdjacentElement("afterend", region);
  subject.setAttribute("aria-controls", "kb-suggestions");

  function links() {
    return Array.prototype.slice.call(region.querySelectorAll("a[data-kb-suggestion]"));
  }

  subject.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && links().length) {
      event.preventDefault();
      links()[0].focus();
    }
  });

  region.addEventListener("keydown", function (event) {
    var all = links();
    var index = all.indexOf(document.activeElement);
    if (index < 0) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = index + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) { subject.focus(); } else { all[Math.min(next, all.length - 1)].focus(); }
    } else if (event.key === "Escape") {
      event.preventDefault();
      subject.focus();
    }
  });
})();

/* The canned-reply picker of a ticket's reply box: Alt+R (or "/" in an empty reply box)
   opens it; typing searches; the arrow keys move through the listbox; Enter inserts the
   reply, filled in by the server for this ticket; Esc closes it. What the reply changes
   when sent (status, impact, urgency) goes into the reply form's hidden fields and is
   shown beside the box, where it can be dropped. */
(function () {
  "use strict";

  var root = document.getElementById("canned-replies");
  var form = document.getElementById("form-comment");
  var box = form && form.querySelector("textarea");
  if (!root || !box) { return; }
  root.hidden = false;

  var opener = document.getElementById("canned-open");
  var popup = document.getElementById("canned-popup");
  var search = document.getElementById("canned-search");
  var list = document.getElementById("canned-list");
  var status = document.getElementById("canned-status");
  var changes = document.getElementById("canned-changes");
  var changesList = document.getElementById("canned-changes-list");
  var clearChanges = document.getElementById("canned-changes-clear");
  var fields = ["status", "impact", "urgency"].map(function (name) {
    return form.querySelector("[name=then_" + name + "]");
  });
  var active = -1;
  var timer = null;
  var asked = 0;

  function options() { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }

  function setActive(index) {
    var items = options();
    if (!items.length) { active = -1; search.removeAttribute("aria-activedescendant"); return; }
    active = Math.max(0, Math.min(index, items.length - 1));
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === active ? "true" : "false");
      item.classList.toggle("active", i === active);
    });
    search.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (reply) {
      var item = document.createElement("li");
      item.id = "canned-option-" + reply.id;
      item.className = "list-group-item list-group-item-action";
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.id = reply.id;
      var title = document.createElement("span");
      title.textContent = reply.title;
      var scope = document.createElement("span");
      scope.className = "badge text-bg-light ms-2";
      scope.textContent = reply.scope;
      item.appendChild(title);
      item.appendChild(scope);
      item.addEventListener("mousedown", function (event) { event.preventDefault(); });
      item.addEventListener("click", function () { insert(reply.id); });
      list.appendChild(item);
    });
    status.textContent = results.length ? "" : root.dataset.none;
    setActive(0);
  }

  function load() {
    var ask = ++asked;
    var url = root.dataset.listUrl + "?q=" + encodeURIComponent(search.value);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) { if (ask === asked) { show(data.results); } })
      .catch(function () { status.textContent = root.dataset.failed; });
  }

  function open() {
    popup.hidden = false;
    opener.setAttribute("aria-expanded", "true");
    search.value = "";
    load();
    search.focus();
  }

  function close(focusBox) {
    popup.hidden = true;
    opener.setAttribute("aria-expanded", "false");
    if (focusBox) { box.focus(); }
  }

  function setChanges(values, labels) {
    fields.forEach(function (field, i) { if (field) { field.value = values[i] || ""; } });
    changesList.textContent = labels.join(" · ");
    changes.hidden = !labels.length;
  }

  function insert(id) {
    var url = root.dataset.fillUrl.replace(/\/0\/$/, "/" + encodeURIComponent(id) + "/");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (reply) {
        var start = box.selectionStart, end = box.selectionEnd, text = box.value;
        if (!text.trim()) {
          box.value = reply.text;
        } else {
          box.value = text.slice(0, start) + reply.text + text.slice(end);
        }
        setChanges([reply.changes.status, reply.changes.impact, reply.changes.urgency], reply.labels);
        close(true);
        var caret = text.trim() ? start + reply.text.length : box.value.length;
        box.setSelectionRange(caret, caret);
        box.dispatchEvent(new Event("input", { bubbles: true }));
      })
      .catch(function () { status.textContent = root.dataset.failed; });
  }

  opener.addEventListener("click", function () { if (popup.hidden) { open(); } else { close(true); } });
  clearChanges.addEventListener("click", function () { setChanges([], []); box.focus(); });

  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { setActive(active + 1); event.preventDefault(); }
    else if (event.key === "ArrowUp") { setActive(active - 1); event.preventDefault(); }
    else if (event.key === "Home") { setActive(0); event.preventDefault(); }
    else if (event.key === "End") { setActive(options().length - 1); event.preventDefault(); }
    else if (event.key === "Enter") {
      event.preventDefault();
      var items = options();
      if (active >= 0 && items[active]) { insert(items[active].dataset.id); }
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    }
  });
  search.addEventListener("blur", function () {
    setTimeout(function () {
      if (!popup.contains(document.activeElement) && document.activeElement !== opener) { close(false); }
    }, 150);
  });

  box.addEventListener("keydown", function (event) {
    if (event.key === "/" && !box.value && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      open();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.code === "KeyR" || event.key === "r" || event.key === "R")) {
      event.preventDefault();
      if (popup.hidden) { open(); } else { close(true); }
    }
  });
  form.addEventListener("reset", function () { setChanges([], []); });
})();

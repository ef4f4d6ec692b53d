// Queue filters use Bootstrap's small selects; the widgets come from django-filter.
document.querySelectorAll("#queue-filters select").forEach(function (el) {
  el.classList.add("form-select", "form-select-sm");
});

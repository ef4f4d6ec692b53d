/* Draws the report's charts from the figures the page embeds (#chart-data). Every chart
   has a table with the same figures beside or under it. */
(function () {
  "use strict";
  // A preset empties the dates; typing a date makes the period custom.
  var preset = document.getElementById("id_preset");
  if (preset) {
    var start = document.getElementById("id_start"), end = document.getElementById("id_end");
    preset.addEventListener("change", function () {
      if (preset.value !== "custom") { start.value = ""; end.value = ""; }
    });
    [start, end].forEach(function (field) {
      field.addEventListener("change", function () { preset.value = "custom"; });
    });
  }
  var dataTag = document.getElementById("chart-data");
  if (!dataTag || typeof Chart === "undefined") { return; }
  var data = JSON.parse(dataTag.textContent);
  var labels = JSON.parse(document.getElementById("chart-labels").textContent);
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.animation = reduced ? false : { duration: 400 };
  Chart.defaults.maintainAspectRatio = false;
  var blue = "#0d6efd", green = "#198754", amber = "#fd7e14", red = "#dc3545", grey = "#6c757d";

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  }

  draw("chart-trend", {
    type: "line",
    data: {
      labels: data.trend.labels,
      datasets: [
        { label: labels.created, data: data.trend.created, borderColor: blue, backgroundColor: blue, tension: 0.2 },
        { label: labels.resolved, data: data.trend.resolved, borderColor: green, backgroundColor: green, tension: 0.2 }
      ]
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  draw("chart-compliance", {
    type: "bar",
    data: {
      labels: data.compliance.map(function (row) { return row.label; }),
      datasets: [
        { label: labels.first_response, data: data.compliance.map(function (row) { return row.fr_pct; }), backgroundColor: blue },
        { label: labels.resolution, data: data.compliance.map(function (row) { return row.res_pct; }), backgroundColor: green }
      ]
    },
    options: { scales: { y: { beginAtZero: true, max: 100 } } }
  });

  draw("chart-funnel", {
    type: "bar",
    data: { labels: labels.funnel, datasets: [{ label: labels.tickets, data: data.funnel, backgroundColor: [blue, amber, red, grey] }] },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  draw("chart-aging", {
    type: "bar",
    data: { labels: labels.aging, datasets: [{ label: labels.tickets, data: data.aging, backgroundColor: [green, blue, amber, red] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  draw("chart-channels", {
    type: "doughnut",
    data: {
      labels: data.channels.labels,
      datasets: [{ data: data.channels.values, backgroundColor: [blue, green, amber, red, grey, "#6f42c1"] }]
    }
  });

  draw("chart-categories", {
    type: "bar",
    data: { labels: data.categories.labels, datasets: [{ label: labels.tickets, data: data.categories.values, backgroundColor: blue }] },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
})();

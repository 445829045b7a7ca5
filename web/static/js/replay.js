// The replay's charts (Chart.js): late tasks per step and tasks waiting per week, for what happened,
// the live version and the candidate. The numbers come from the page's JSON; the tables under each
// chart hold the same figures for those who do not read charts.
(function () {
  "use strict";
  var source = document.getElementById("replay-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = { actual: "#7a7a7a", live: "#1f6fb2", candidate: "#d9822b" };
  var scenarios = ["actual", "live", "candidate"];

  function datasets(series, line) {
    return scenarios.map(function (s) {
      return {
        label: data.names[s], data: series[s].map(function (v) { return v === null ? 0 : v; }),
        backgroundColor: colours[s], borderColor: colours[s], borderWidth: line ? 2 : 0,
        pointRadius: line ? 0 : undefined, tension: line ? 0.2 : 0, fill: false
      };
    });
  }
  var common = { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: "bottom" } } };

  var steps = document.getElementById("chart-steps");
  if (steps && data.steps.labels.length) {
    new Chart(steps, { type: "bar", data: { labels: data.steps.labels, datasets: datasets(data.steps, false) },
      options: Object.assign({}, common, { scales: { y: { beginAtZero: true, title: { display: true, text: data.names.late } } } }) });
  }
  var weeks = document.getElementById("chart-weeks");
  if (weeks && data.weeks.labels.length) {
    new Chart(weeks, { type: "line", data: { labels: data.weeks.labels, datasets: datasets(data.weeks, true) },
      options: Object.assign({}, common, { scales: { y: { beginAtZero: true, title: { display: true, text: data.names.waiting } },
                                                     x: { ticks: { maxTicksLimit: 12 } } } }) });
  }
  document.body.setAttribute("data-charts", "drawn");
}());

/*
 * Draws the engagement charts with plotly.js (served by hub from the plotly package, no CDN).
 * Each chart's figure sits in a <script type="application/json"> data block next to it, so no
 * inline script runs and the Content Security Policy stays strict. The numbers are also in the
 * table beside each chart; without JavaScript the tables alone tell everything.
 */
(function () {
  "use strict";

  function draw() {
    if (!window.Plotly) {
      return;
    }
    var charts = document.querySelectorAll("[data-hub-chart]");
    Array.prototype.forEach.call(charts, function (element) {
      var source = document.getElementById(element.getAttribute("data-hub-chart"));
      if (!source) {
        return;
      }
      var spec = JSON.parse(source.textContent);
      window.Plotly.newPlot(element, spec.data, spec.layout, {
        displaylogo: false,
        responsive: true,
        modeBarButtonsToRemove: ["select2d", "lasso2d"]
      }).then(function () {
        element.setAttribute("data-rendered", "true");
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

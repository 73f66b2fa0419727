// The annual statistics charts: one bar chart per figure the page also shows as a table (the table is the
// accessible form; the canvas carries the chart's title as its label).
import {
  BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

const COLOURS = ['#a31515', '#0b4f9c', '#137333', '#8a6d00', '#5b3f8c', '#595959'];

/** Draw ``chart`` ({id, title, labels, values}) into its canvas; returns the Chart. */
export function drawChart(canvas, chart, countLabel) {
  const drawn = new Chart(canvas, {
    type: 'bar',
    data: {
      labels: chart.labels,
      datasets: [{
        label: countLabel,
        data: chart.values,
        backgroundColor: chart.labels.map((_, i) => COLOURS[i % COLOURS.length]),
      }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false }, tooltip: { enabled: true } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
  canvas.dataset.drawn = String(chart.values.length);
  return drawn;
}

// Chart helpers of the supervision dashboard: one colour list, one chart per canvas (the figures also stand in a
// table beside each canvas, so the chart is decoration for sighted users, not the only copy of the numbers).
import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale, Tooltip,
} from 'chart.js';

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale, Tooltip);

// dark enough on white (WCAG non-text contrast 3:1)
export const COLOURS = ['#a31515', '#0b4f9c', '#137333', '#8a4b00', '#6a1b9a', '#4d4d4d'];

function base(extra = {}) {
  return { responsive: true, maintainAspectRatio: false, animation: false, ...extra };
}

export function stackedBar(canvas, { labels, datasets }) {
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: datasets.map((d, i) => ({ ...d, backgroundColor: COLOURS[i % COLOURS.length] })),
    },
    options: base({ scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }),
  });
}

export function bar(canvas, { labels, data, label }, horizontal = false) {
  return new Chart(canvas, {
    type: 'bar',
    data: { labels, datasets: [{ label, data, backgroundColor: COLOURS[1] }] },
    options: base({
      indexAxis: horizontal ? 'y' : 'x',
      plugins: { legend: { display: false } },
      scales: { [horizontal ? 'x' : 'y']: { beginAtZero: true, ticks: { precision: 0 } } },
    }),
  });
}

export function doughnut(canvas, { labels, data, label }) {
  return new Chart(canvas, {
    type: 'doughnut',
    data: { labels, datasets: [{ label, data, backgroundColor: labels.map((_, i) => COLOURS[i % COLOURS.length]) }] },
    options: base(),
  });
}

// The public annual statistics page: every chart of the page data drawn with chart.js beside its table.
import { pageData } from './common.js';
import { drawChart } from '../public/charts.js';

document.addEventListener('DOMContentLoaded', () => {
  const data = pageData();
  for (const chart of data.charts || []) {
    const canvas = document.getElementById(chart.id);
    if (canvas) drawChart(canvas, chart, data.label);
  }
});

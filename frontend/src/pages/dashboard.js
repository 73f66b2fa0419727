// The supervision dashboard: draws the four charts from the page's data (the same figures as its tables).
import { pageData } from './common.js';
import { bar, doughnut, stackedBar } from '../admin/charts.js';

function draw() {
  const data = pageData();
  const charts = {
    'chart-months': (c) => stackedBar(c, data.months),
    'chart-reviews': (c) => doughnut(c, data.reviews),
    'chart-publicity': (c) => doughnut(c, data.publicity),
    'chart-overdue': (c) => bar(c, data.overdue, true),
  };
  for (const [id, make] of Object.entries(charts)) {
    const canvas = document.getElementById(id);
    if (canvas) {
      make(canvas);
      canvas.dataset.rendered = 'true';
    }
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
else draw();

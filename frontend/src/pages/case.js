// The case page (/cases/<id>): the diagram with the done, current and waiting elements marked.
import { pageData } from './common.js';
import { showCaseDiagram } from '../cases/diagram.js';

async function main() {
  const container = document.getElementById('case-diagram');
  if (!container) return;
  const { xml, markers } = pageData();
  try {
    const { marked } = await showCaseDiagram(container, xml, markers);
    container.dataset.ready = String(marked.length);
  } catch (err) {
    container.textContent = container.dataset.failed || 'diagram failed';
    container.dataset.ready = 'error';
    console.error(err);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();

// The DMN editor for the review catalogue's decision tables (dmn-js): validate and deploy as a new version.
import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import '../modeler/editor.css';
import DmnModeler from 'dmn-js/lib/Modeler';
import { pageData } from './common.js';
import { setupToolbar } from '../modeler/toolbar.js';

const data = pageData();
const modeler = new DmnModeler({ container: '#canvas' });
window.sanxiangDmn = modeler; // for the browser tests

async function open() {
  await modeler.importXML(data.content);
  const table = modeler.getViews().find((v) => v.type === 'decisionTable');
  if (table) await modeler.open(table);
  document.getElementById('canvas').dataset.ready = 'true';
}

open();
setupToolbar(data, async () => (await modeler.saveXML({ format: true })).xml,
  { show() {}, clear() {} }, 'application/xml');

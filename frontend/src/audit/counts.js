// Per-version counts: on each element of a process version, the cases at it now and the ones past it.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { el } from './dom.js';

export async function startCounts(data) {
  const viewer = new NavigatedViewer({ container: '#canvas' });
  await viewer.importXML(data.bpmn);
  viewer.get('canvas').zoom('fit-viewport');
  const overlays = viewer.get('overlays');
  const registry = viewer.get('elementRegistry');
  const { texts } = data;
  for (const [id, count] of Object.entries(data.counts)) {
    if (!registry.get(id)) continue;
    const badge = el('div', { class: 'count-badge', 'data-element': id },
      el('span', { class: 'now' }, `${texts.audit_counts_now} ${count.now}`), ' · ',
      el('span', { class: 'past' }, `${texts.audit_counts_past} ${count.past}`));
    overlays.add(id, 'case-counts', { position: { bottom: 4, left: 0 }, html: badge });
  }
  document.body.dataset.countsReady = 'true';
}

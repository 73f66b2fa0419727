// The case diagram: bpmn-js NavigatedViewer with each element marked done / active (ready) / waiting.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './case.css';

/** The marker class of a state: case-done, case-active, case-waiting. */
export const markerClass = (state) => `case-${state}`;

/**
 * Show `xml` in `container` and mark the elements of `markers` ({elementId: 'done'|'active'|'waiting'}).
 * Returns the ids that were marked (elements missing from the diagram are skipped).
 */
export async function showCaseDiagram(container, xml, markers) {
  container.replaceChildren();
  const viewer = new NavigatedViewer({ container });
  await viewer.importXML(xml);
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const marked = [];
  for (const [id, state] of Object.entries(markers || {})) {
    if (registry.get(id)) {
      canvas.addMarker(id, markerClass(state));
      marked.push(id);
    }
  }
  canvas.zoom('fit-viewport', 'auto');
  // a wide process fits only at an unreadable scale: zoom in on the current (else the latest done) step
  const focusId = marked.find((id) => markers[id] === 'active') || marked.find((id) => markers[id] === 'waiting');
  if (canvas.zoom() < 0.6 && focusId) {
    canvas.zoom(0.8);
    canvas.scrollToElement(registry.get(focusId), { top: 120, left: 120, right: 120, bottom: 120 });
  }
  // the SVG is a picture of the steps also listed in text on the page (current and waiting steps)
  const svg = container.querySelector('svg');
  if (svg) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', container.getAttribute('aria-label') || '');
  }
  return { viewer, marked };
}

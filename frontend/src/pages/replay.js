// The audit pages' script: the replay of one case (mode "replay") or the per-version counts (mode "counts").
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import { pageData } from './common.js';
import { startCounts } from '../audit/counts.js';
import { startReplay } from '../audit/replay.js';
import { showVerification } from '../audit/verify.js';

document.addEventListener('DOMContentLoaded', () => {
  const data = pageData();
  if (data.mode === 'replay') {
    showVerification(data.verify_url, data.texts);
    startReplay(data);
  } else if (data.mode === 'counts') {
    startCounts(data);
  }
});

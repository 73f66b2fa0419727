// The verification badge: GET /api/v1/instances/<id>/verify, shown as verified / altered with each failed check and
// where it failed.
import { api, pageData } from '../pages/common.js';
import { translateField, translateMessages } from '../messages/translate.js';
import { el, fill } from './dom.js';

const CHECKS = [
  ['chain_ok', 'audit_check_chain'], ['replay_ok', 'audit_check_replay'],
  ['definitions_ok', 'audit_check_definitions'], ['evidence_ok', 'audit_check_evidence'],
  ['row_ok', 'audit_check_row'],
];
const KIND = { chain: 'audit_check_chain', replay: 'audit_check_replay', snapshot: 'audit_check_replay',
  definition: 'audit_check_definitions', evidence: 'audit_check_evidence', row: 'audit_check_row' };
const WHERE = ['stream', 'seq', 'field', 'file', 'element_id', 'evidence_id', 'ref', 'key', 'version'];

export async function showVerification(url, texts) {
  const box = document.getElementById('verify');
  if (!box || !url) return;
  let result;
  try {
    result = await api('GET', url);
  } catch (err) {
    result = { ok: false, status: 0, body: null };
  }
  const translateUrl = pageData().translate_url;
  if (!result.ok || !result.body) {
    const [message] = await translateMessages(translateUrl, [(result.body && result.body.message) || '']);
    box.replaceChildren(el('span', { class: 'badge bad', id: 'verify-badge', 'data-result': 'error' },
      texts.audit_verify_failed), message ? el('p', {}, message) : '');
    return;
  }
  const body = { ...result.body,
    problems: await translateField(translateUrl, result.body.problems || [], 'problem') };
  const badge = el('span', { class: `badge ${body.ok ? 'ok' : 'bad'}`, id: 'verify-badge',
    'data-result': body.ok ? 'verified' : 'altered' }, body.ok ? texts.audit_verified : texts.audit_altered);
  const checks = el('ul', { id: 'verify-checks' }, CHECKS.map(([key, label]) => el('li', {},
    `${texts[label]}: ${body[key] ? texts.audit_ok : texts.audit_failed}`)));
  const problems = (body.problems || []).map((p) => {
    const where = WHERE.filter((k) => p[k] !== undefined && p[k] !== null).map((k) => `${texts[`audit_where_${k}`] || k} ${p[k]}`).join(', ');
    return el('li', {}, el('strong', {}, texts[KIND[p.kind]] || p.kind),
      where ? ` (${texts.audit_problem_where}: ${where})` : '', `: ${p.problem || ''}`);
  });
  box.replaceChildren(
    el('p', {}, badge, ' ', fill(texts.audit_verify_summary, { events: body.events, replayed: body.replayed })),
    checks,
    problems.length ? el('ul', { id: 'verify-problems' }, problems) : '',
  );
}

// On every page: the language switch keeps the page, the header menu opens on small screens, and forms that post
// with fetch send the CSRF token from the page's meta tag.
import '../styles/app.css';

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

export async function api(method, url, body, { raw = false } = {}) {
  const headers = { 'X-CSRF-Token': csrfToken(), Accept: 'application/json' };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const resp = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  if (raw) return resp;
  let json = null;
  try { json = await resp.json(); } catch { json = null; }
  return { status: resp.status, ok: resp.ok, body: json };
}

/** Data a page hands to its script: <script type="application/json" id="page-data">. */
export function pageData(id = 'page-data') {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : {};
}

document.addEventListener('DOMContentLoaded', () => {
  const toggle = document.getElementById('menu-toggle');
  const nav = document.getElementById('main-nav');
  if (toggle && nav) {
    toggle.addEventListener('click', () => {
      const open = nav.classList.toggle('open');
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }
});

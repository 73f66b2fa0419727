// Engine and service messages (English, as the JSON API gives them) in the page's language: the server's message
// catalogue (POST /messages/translate, api/web/messages.py) translates them; on any failure the English stays.
import { api } from '../pages/common.js';

/**
 * @param {string | undefined} url the page's translate route (page data `translate_url`)
 * @param {string[]} messages
 * @returns {Promise<string[]>} the messages in the page's language, same order
 */
export async function translateMessages(url, messages) {
  if (!url || !messages.length) return messages;
  try {
    const resp = await api('POST', url, { messages });
    const out = resp.ok && resp.body && resp.body.messages;
    return Array.isArray(out) && out.length === messages.length ? out : messages;
  } catch {
    return messages;
  }
}

/** A copy of each object with its `key` (e.g. message, problem) translated. */
export async function translateField(url, items, key) {
  const texts = await translateMessages(url, items.map((item) => String(item[key] ?? '')));
  return items.map((item, i) => (item[key] ? { ...item, [key]: texts[i] } : item));
}

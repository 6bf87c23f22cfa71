// The course page's 客服 (customer service) panel: a floating entry that opens a chat. The
// FAQ assistant runs on the device (zhixuan's createAssistant); the questions never leave the
// page, only aggregate counts are kept (assistant.stats()). On a course page, "这门课…"
// questions are answered from that course's catalog entry.
const FAQ_URL = './faq.json';
const INTENT_ACTIONS = {
  refund: { label: '去申请退款', href: '#/me' },
  invoice: { label: '去开发票', href: '#/me' },
  reset_password: { label: '重置密码', href: '#/me' },
};

function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const STYLE = `
#assist-open{position:fixed;right:16px;bottom:76px;z-index:20;border:0;border-radius:24px;padding:10px 16px;
  background:#1f6feb;color:#fff;font-size:15px;box-shadow:0 2px 8px rgba(0,0,0,.25);cursor:pointer}
#assist-panel{position:fixed;inset:auto 8px 8px 8px;max-height:78vh;z-index:30;display:flex;flex-direction:column;
  background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.3);overflow:hidden;font-size:14px}
#assist-panel[hidden]{display:none}
#assist-panel header{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;background:#1f6feb;color:#fff}
#assist-panel header button{background:none;border:0;color:#fff;font-size:18px;cursor:pointer}
#assist-log{flex:1;overflow-y:auto;padding:10px;display:flex;flex-direction:column;gap:8px;min-height:160px}
.assist-msg{max-width:85%;padding:8px 10px;border-radius:10px;line-height:1.5;white-space:pre-wrap}
.assist-msg.user{align-self:flex-end;background:#1f6feb;color:#fff}
.assist-msg.bot{align-self:flex-start;background:#f0f2f5;color:#222}
.assist-msg .assist-links,.assist-msg .assist-chips{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.assist-msg a{color:#1f6feb}
.assist-chip{border:1px solid #1f6feb;background:#fff;color:#1f6feb;border-radius:14px;padding:3px 9px;font-size:13px;cursor:pointer}
.assist-chip.human{background:#e5534b;border-color:#e5534b;color:#fff}
.assist-meta{font-size:12px;color:#777;margin-top:4px}
#assist-form{display:flex;gap:6px;padding:8px;border-top:1px solid #e5e5e5}
#assist-input{flex:1;padding:8px;border:1px solid #ccc;border-radius:8px;font-size:15px}
#assist-form button{border:0;border-radius:8px;background:#1f6feb;color:#fff;padding:0 14px}
`;

/** The course the page shows, from its route (#/course/<id>), or null. */
function currentCourse() {
  const match = /^#\/course\/([^?]+)/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

/**
 * Adds the 客服 entry and its chat panel to the page.
 * @param {{ zhixuan: Promise<object>, catalog: object }} options the package (its module
 *   promise) and the catalog the page already loaded
 */
export function mountAssistant({ zhixuan, catalog }) {
  document.head.append(h('style', {}, STYLE));
  const log = h('div', { id: 'assist-log', role: 'log', 'aria-live': 'polite' });
  const input = h('input', { id: 'assist-input', type: 'text', placeholder: '输入你的问题，例如：怎么开发票', autocomplete: 'off', enterkeyhint: 'send' });
  const panel = h('section', { id: 'assist-panel', hidden: true, 'aria-label': '智能客服' },
    h('header', {}, h('strong', {}, '知选客服 · 本机应答'),
      h('button', { type: 'button', id: 'assist-close', 'aria-label': '关闭', onclick: () => { panel.hidden = true; } }, '×')),
    log,
    h('form', { id: 'assist-form', onsubmit: (e) => { e.preventDefault(); send(input.value); } }, input, h('button', { type: 'submit' }, '发送')));
  const open = h('button', { type: 'button', id: 'assist-open', onclick: () => show() }, '客服');
  document.body.append(open, panel);

  let assistant = null;
  let loading = null;
  const titleOf = new Map(catalog.items.map((item) => [String(item.id), item.title]));

  function say(kind, ...children) {
    const node = h('div', { class: `assist-msg ${kind}` }, ...children);
    log.append(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  async function ready() {
    if (assistant) return assistant;
    loading ??= (async () => {
      const faq = await (await fetch(FAQ_URL)).json();
      const { createAssistant } = await zhixuan;
      assistant = await createAssistant({ faq, catalog });
      window.__zx && (window.__zx.assistant = assistant);  // for the page's tests: stats() only
      return assistant;
    })();
    return loading;
  }

  function show() {
    panel.hidden = false;
    if (!log.childElementCount) {
      const course = currentCourse();
      say('bot', course && titleOf.has(course)
        ? `你好，我是知选客服。关于《${titleOf.get(course)}》或平台的问题都可以问我，例如「这门课多久能学完」。`
        : '你好，我是知选客服，可以问我退款、发票、证书、回放、账号、优惠券等问题。');
    }
    input.focus();
    ready().catch((error) => say('bot', `客服暂时无法使用（${error?.code ?? ''} ${error?.message ?? error}）。`));
  }

  function handOver() {
    say('bot', '已为你转接人工客服（演示），服务时间 9:00-21:00。你的提问记录只保存在本机。');
    panel.dataset.handover = 'requested';
  }

  async function send(text) {
    const question = text.trim();
    if (!question) return;
    input.value = '';
    say('user', question);
    let a;
    try {
      a = (await ready()).ask(question, { course: currentCourse() ?? undefined });
    } catch (error) {
      say('bot', `没能理解这个问题（${error?.code ?? error?.name}）。`);
      return;
    }
    const parts = [];
    if (a.answered) {
      parts.push(h('div', { class: 'assist-answer' }, a.answer));
      const links = [
        ...a.links.map((l) => h('a', { href: l.url, class: 'assist-link' }, l.title)),
        ...(INTENT_ACTIONS[a.intent] ? [h('a', { href: INTENT_ACTIONS[a.intent].href, class: 'assist-link assist-action', 'data-intent': a.intent }, INTENT_ACTIONS[a.intent].label)] : []),
      ];
      if (links.length) parts.push(h('div', { class: 'assist-links' }, links));
    } else {
      parts.push(h('div', {}, '这个问题我不太确定，你可以看看下面的问题，或者转人工客服。'));
      parts.push(h('div', { class: 'assist-chips' }, a.suggestions.map((s) =>
        h('button', { type: 'button', class: 'assist-chip suggestion', onclick: () => send(s.question) }, s.question))));
    }
    if (a.handover) parts.push(h('div', { class: 'assist-chips' }, h('button', { type: 'button', class: 'assist-chip human', id: 'assist-human', onclick: handOver }, '转人工')));
    if (a.relatedCourses.length) {
      parts.push(h('div', { class: 'assist-meta' }, '相关课程：'),
        h('div', { class: 'assist-links' }, a.relatedCourses.map((c) => h('a', { href: `#/course/${encodeURIComponent(c.id)}`, class: 'assist-course', onclick: () => { panel.hidden = true; } }, c.title))));
    }
    parts.push(h('div', { class: 'assist-meta' }, `置信度 ${(a.confidence * 100).toFixed(0)}%${a.fromCourse ? ' · 来自本课程信息' : ''}`));
    const node = say('bot', ...parts);
    node.dataset.answered = String(a.answered);
    node.dataset.handover = String(a.handover);
    if (a.entry) node.dataset.entry = a.entry.id;
  }
}

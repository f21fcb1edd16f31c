// Small DOM helpers: every text goes in through textContent, never as HTML.
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** A message line for the outcome of an action. */
export function say(target: HTMLElement, text: string, kind: 'ok' | 'error' | 'muted' = 'ok'): void {
  target.textContent = text;
  target.className = `message ${kind}`;
}

/** Runs an action from a button: disables it meanwhile and puts the outcome in `out`. */
export function action(button: HTMLButtonElement, out: HTMLElement, run: () => Promise<string | void>): void {
  button.addEventListener('click', async () => {
    button.disabled = true;
    say(out, 'working…', 'muted');
    try {
      const text = await run();
      say(out, text ?? 'done', 'ok');
    } catch (e) {
      say(out, (e as Error).message, 'error');
    } finally {
      button.disabled = false;
    }
  });
}

export function table(head: string[], rows: Array<Array<Node | string>>, id?: string): HTMLTableElement {
  const t = h('table', id ? { id } : {},
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
  return t;
}

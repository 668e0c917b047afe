/**
 * Tasks board: open, accepted, escalated and resolved columns for the grid member's grid
 * (or an org admin's subtree — the API decides); accept, resolve and escalate with a note;
 * changes from other people and other tabs arrive over the live stream.
 */
import { ApiError } from '../api.js';
import { type Ctx, cameraName, orgName, type View } from '../ctx.js';
import { field, fill, h, select } from '../dom.js';
import { fmtDuration, fmtTime } from '../format.js';
import { type Key, t, tv } from '../i18n.js';
import { columnOf, type HitLike, listOf, TASK_STATES, type Task, type TaskState } from '../model.js';
import { frameCanvas, hitCanvas } from '../snapshot.js';
import { empty, errorBox, loading } from '../ui.js';

type Action = 'accept' | 'resolve' | 'escalate';

function actionsFor(state: TaskState): Action[] {
  if (state === 'open' || state === 'escalated') return ['accept', 'escalate'];
  if (state === 'accepted') return ['resolve', 'escalate'];
  return [];
}

function taskTitle(task: Task): string {
  const title = typeof task.title === 'string' ? task.title : '';
  return (
    title ||
    [task.type ? tv(task.type) : '', task.rule ?? '', task.caseId ? `${t('case')} ${task.caseId}` : '']
      .filter(Boolean)
      .join(' · ') ||
    task.id
  );
}

function askNote(action: Action): Promise<{ note: string; disposition?: string } | null> {
  return new Promise((resolve) => {
    const note = h('textarea', { rows: 3, maxLength: 1000, placeholder: t('notePlaceholder') });
    const disp = select([
      ['resolved', t('resolved')],
      ['false_positive', 'false positive / 误报'],
      ['duplicate', 'duplicate / 重复'],
    ]);
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', null, t(action as Key)),
      field(t('note'), note),
      action === 'resolve' ? field(t('state'), disp) : null,
      h(
        'div',
        { className: 'actions' },
        h('button', { type: 'submit', className: 'primary', value: 'ok' }, t('confirm')),
        h('button', { type: 'submit', value: 'cancel', formNoValidate: true }, t('cancel')),
      ),
    );
    const dlg = h('dialog', { className: 'note-dialog', attrs: { 'aria-label': t(action as Key) } }, form);
    dlg.addEventListener('close', () => {
      const ok = dlg.returnValue === 'ok';
      dlg.remove();
      resolve(
        ok ? { note: note.value.trim(), ...(action === 'resolve' ? { disposition: disp.value } : {}) } : null,
      );
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    note.focus();
  });
}

/** The time left before escalation, or how long overdue; the board refreshes it every second. */
function slaText(dd: HTMLElement, deadlineMs: number): HTMLElement {
  const left = deadlineMs - Date.now();
  dd.className = left < 0 ? 'overdue' : '';
  dd.textContent = left < 0 ? `${t('overdue')} ${fmtDuration(-left)}` : fmtDuration(left);
  return dd;
}

/**
 * The task's evidence: the newest event frame (the whole scene, box and zone drawn at the edge)
 * beside the newest crop. Older tasks and sightings have only the crop.
 */
function evidence(ctx: Ctx, task: Task, large: boolean): HTMLElement | null {
  const newest = [...(task.hits ?? [])].reverse();
  const frame = newest.find((x) => x.frame)?.frame;
  const crop = task.snapshot || newest.find((x) => x.snapshot)?.snapshot;
  const [fw, fh, cs] = large ? [560, 315, 200] : [176, 99, 99];
  const parts: HTMLElement[] = [];
  if (frame) parts.push(frameCanvas(ctx.api, frame, fw, fh, `${t('frame')}: ${taskTitle(task)}`));
  if (crop) {
    const c = hitCanvas(ctx.api, { snapshot: crop } as HitLike, cs, cs, `${t('crop')}: ${taskTitle(task)}`);
    c.classList.add('crop');
    parts.push(c);
  }
  return parts.length ? h('div', { className: `evidence${large ? ' large' : ''}` }, ...parts) : null;
}

function facts(ctx: Ctx, task: Task): HTMLElement {
  const col = columnOf(task.status);
  const deadline = task.deadlineMs;
  return h(
    'dl',
    { className: 'attrs' },
    task.camera ? [h('dt', null, t('camera')), h('dd', null, cameraName(ctx, task.camera))] : null,
    task.grid || task.org
      ? [h('dt', null, t('org')), h('dd', null, orgName(ctx, task.org ?? task.grid))]
      : null,
    task.openedMs ? [h('dt', null, t('time')), h('dd', null, fmtTime(task.openedMs))] : null,
    task.acceptedBy ? [h('dt', null, t('accepted')), h('dd', null, task.acceptedBy)] : null,
    typeof deadline === 'number' && col !== 'resolved'
      ? [h('dt', null, t('sla')), slaText(h('dd', { dataset: { deadline: String(deadline) } }), deadline)]
      : null,
    task.note ? [h('dt', null, t('note')), h('dd', null, String(task.note))] : null,
  );
}

function actionButtons(
  task: Task,
  act: (task: Task, a: Action) => void,
  before: () => void = () => undefined,
) {
  return actionsFor(columnOf(task.status)).map((a) =>
    h(
      'button',
      {
        type: 'button',
        className: a === 'escalate' ? '' : 'primary',
        dataset: { action: a },
        onclick: () => {
          before();
          act(task, a);
        },
      },
      t(a),
    ),
  );
}

/** A task's details: the scene and the close-up large, the facts, the actions. */
export function showTaskDialog(
  ctx: Ctx,
  task: Task,
  act: (task: Task, a: Action) => void,
): HTMLDialogElement {
  const dlg = h(
    'dialog',
    {
      className: 'details task-details',
      dataset: { task: task.id },
      attrs: { 'aria-label': `${t('details')}: ${taskTitle(task)}` },
    },
    h('h2', null, taskTitle(task)),
    evidence(ctx, task, true),
    facts(ctx, task),
    h(
      'div',
      { className: 'actions' },
      ...actionButtons(task, act, () => dlg.close()),
      h('button', { type: 'button', onclick: () => dlg.close() }, t('close')),
    ),
  ) as HTMLDialogElement;
  dlg.addEventListener('close', () => dlg.remove());
  document.body.appendChild(dlg);
  dlg.showModal();
  return dlg;
}

function taskCard(ctx: Ctx, task: Task, act: (task: Task, a: Action) => void): HTMLElement {
  const col = columnOf(task.status);
  const ev = evidence(ctx, task, false);
  if (ev) {
    ev.classList.add('clickable');
    ev.setAttribute('role', 'button');
    ev.setAttribute('tabindex', '0');
    ev.setAttribute('aria-label', `${t('details')}: ${taskTitle(task)}`);
    ev.onclick = () => showTaskDialog(ctx, task, act);
    ev.onkeydown = (e) => {
      if (e.key === 'Enter' || e.key === ' ') showTaskDialog(ctx, task, act);
    };
  }
  return h(
    'article',
    { className: `task s-${col}`, dataset: { task: task.id, status: task.status } },
    h('h3', null, taskTitle(task)),
    ev,
    facts(ctx, task),
    h('div', { className: 'actions' }, ...actionButtons(task, act)),
  );
}

export const tasksView: View = (root, ctx) => {
  const tasks = new Map<string, Task>();
  const cols = new Map<TaskState, HTMLElement>();
  const counts = new Map<TaskState, HTMLElement>();
  const msg = h('div', { className: 'task-msg', attrs: { role: 'status', 'aria-live': 'polite' } });
  const board = h(
    'div',
    { className: 'board' },
    ...TASK_STATES.map((st) => {
      const list = h('div', { className: 'col-list' });
      const count = h('span', { className: 'badge' }, '0');
      cols.set(st, list);
      counts.set(st, count);
      return h(
        'section',
        { className: `col col-${st}`, dataset: { col: st }, attrs: { 'aria-label': t(st) } },
        h('h2', null, t(st), ' ', count),
        list,
      );
    }),
  );
  const act = async (task: Task, a: Action) => {
    const input = await askNote(a);
    if (!input) return;
    try {
      const r = await ctx.api.post<{ task?: Task }>(
        `/api/v1/tasks/${encodeURIComponent(task.id)}/${a}`,
        input,
      );
      if (r.task && typeof r.task.id === 'string') upsert(r.task);
      else await load();
      ctx.announce(`${taskTitle(task)}: ${t(a)}`);
    } catch (e) {
      fill(msg, errorBox(e));
    }
  };
  const render = () => {
    for (const st of TASK_STATES) {
      const list = [...tasks.values()]
        .filter((x) => columnOf(x.status) === st)
        .sort((a, b) => (b.updatedMs ?? b.openedMs ?? 0) - (a.updatedMs ?? a.openedMs ?? 0));
      fill(
        cols.get(st)!,
        ...(list.length ? list.map((x) => taskCard(ctx, x, (tk, a) => void act(tk, a))) : [empty()]),
      );
      fill(counts.get(st)!, String(list.length));
    }
  };
  const upsert = (task: Task) => {
    const prev = tasks.get(task.id);
    // Changes may cross (the action's answer and the stream): keep the newest version.
    if (
      prev &&
      typeof prev.version === 'number' &&
      typeof task.version === 'number' &&
      prev.version > task.version
    )
      return;
    tasks.set(task.id, task);
    render();
  };
  const load = async () => {
    try {
      const answer = await ctx.api.get('/api/v1/tasks', { limit: 500 });
      tasks.clear();
      for (const x of listOf<Task>(answer, 'tasks', 'items')) tasks.set(x.id, x);
      fill(msg);
      render();
    } catch (e) {
      if (e instanceof ApiError && e.missing) fill(board, errorBox(e));
      else
        fill(
          msg,
          errorBox(e, () => void load()),
        );
    }
  };
  // A link from a notification (`#/tasks?id=…&action=accept|resolve`, contracts/links.ts) opens
  // the task; the action still waits for the person's confirmation (askNote), never the link alone.
  const openLinked = async () => {
    const id = ctx.params.get('id');
    if (!id) return;
    let task = tasks.get(id);
    if (!task) {
      try {
        task = (await ctx.api.get<{ task: Task }>(`/api/v1/tasks/${encodeURIComponent(id)}`)).task;
      } catch (e) {
        fill(msg, errorBox(e));
        return;
      }
    }
    const wanted = ctx.params.get('action');
    const action = actionsFor(columnOf(task.status)).find((a) => a === wanted);
    const dlg = showTaskDialog(ctx, task, (tk, a) => void act(tk, a));
    // The note dialog opens over the evidence: the person sees what they are accepting.
    if (action) void act(task, action).then(() => dlg.close());
  };
  for (const st of TASK_STATES) fill(cols.get(st)!, loading());
  fill(root, msg, board);
  void load().then(openLinked);
  const off = ctx.bus.onTask(upsert);
  // Without the stream, refresh every few seconds so other people's changes still show.
  const poll = setInterval(() => {
    if (ctx.bus.status !== 'connected') void load();
  }, 3000);
  const tick = setInterval(() => {
    board.querySelectorAll<HTMLElement>('dd[data-deadline]').forEach((dd) => {
      slaText(dd, Number(dd.dataset.deadline));
    });
  }, 1000);
  return () => {
    off();
    clearInterval(poll);
    clearInterval(tick);
  };
};

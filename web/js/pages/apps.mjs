// apps.mjs - the services that come to the data: the apps installed in my
// store, what each may read and write, whether the operator certified it;
// run one and read its report; remove one (what it wrote stays mine).
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, pick, fieldLabel, formatNumber, formatDateTime } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live, Confirm } from '../ui.mjs';

/* resultFacts - an app's result object as terms and values (one level). */
function ResultFacts({ result }) {
	if (!result || typeof result !== 'object')
		return null;
	const cell = (v) => (typeof v === 'number' ? formatNumber(v) : typeof v === 'object' && v ?
		Object.entries(v).map(([k, x]) => `${fieldLabel(k)}: ${typeof x === 'number' ? formatNumber(x) : x}`).join(', ') : String(v));
	return html`<dl class="facts">${Object.entries(result).map(([k, v]) => html`<dt>${fieldLabel(k)}</dt><dd>${cell(v)}</dd>`)}</dl>`;
}

function Runs({ id, tick }) {
	const state = useLoad(() => api(`/apps/${encodeURIComponent(id)}/runs`), [id, tick]);
	return html`<${Loaded} state=${state}>${(r) => {
		const last = r.items[0];
		if (!last)
			return html`<p>${t('apps.never_run')}</p>`;
		return html`<div>
			<h3>${t('apps.last_run', { when: formatDateTime(last.at) })}</h3>
			<p><span class=${`badge ${last.outcome === 'ok' ? 'ok' : 'warn'}`}>${t('apps.outcome', { outcome: last.outcome })}</span>
				${' '}${t('apps.run_facts', { records: formatNumber(last.records_written || 0), ms: formatNumber((last.elapsed_us || 0) / 1000, 0) })}</p>
			${last.error ? html`<p class="problem">${last.error}</p>` : null}
			<${ResultFacts} result=${last.result} />
		</div>`;
	}}<//>`;
}

function AppCard({ app, titles, onChange }) {
	const named = (d) => titles[d] || d;
	const [tick, setTick] = useState(0);
	const [error, setError] = useState(null);
	const [live, setLive] = useState('');
	const [busy, setBusy] = useState(false);
	const run = async () => {
		setBusy(true);
		setError(null);
		setLive(t('apps.running'));
		try {
			const r = await api(`/apps/${encodeURIComponent(app.id)}/run`, { method: 'POST' });
			setLive(r.outcome === 'ok' ? t('apps.ran') : t('apps.outcome', { outcome: r.outcome }));
			setTick((n) => n + 1);
		} catch (err) {
			setLive('');
			setError(err);
		} finally {
			setBusy(false);
		}
	};
	const remove = async () => {
		try {
			await api(`/apps/${encodeURIComponent(app.id)}`, { method: 'DELETE' });
			onChange(t('apps.removed', { name: pick(app.name) }));
		} catch (err) {
			setError(err);
		}
	};
	const p = app.permissions || {};
	return html`<li class="card">
		<h2>${pick(app.name)} <span class=${`badge ${app.certificate === 'certified' ? 'ok' : 'warn'}`}>${t(`apps.cert.${app.certificate}`) }</span></h2>
		<p>${pick(app.description)}</p>
		<dl class="facts">
			<dt>${t('apps.reads')}</dt><dd>${(p.read || []).map((r) => `${named(r.doctype)}${r.fields ? ` (${r.fields.map(fieldLabel).join(', ')})` : ''}`).join(' ; ') || '—'}</dd>
			<dt>${t('apps.writes')}</dt><dd>${(p.write || []).map(named).join(', ') || '—'}</dd>
			<dt>${t('apps.publisher')}</dt><dd>${app.publisher ? app.publisher.name : '—'} · ${t('apps.version', { version: app.version })}</dd>
		</dl>
		<div class="actions">
			<button type="button" class="primary" onClick=${run} disabled=${busy}>${t('apps.run')}</button>
			<${Confirm} danger label=${t('apps.remove')} question=${t('apps.remove_q', { name: pick(app.name) })}
				confirmLabel=${t('apps.remove_yes')} onConfirm=${remove} />
		</div>
		<${Live} text=${live} />
		<${Problem} error=${error} />
		<${Runs} id=${app.id} tick=${tick} />
	</li>`;
}

export default function Apps() {
	const state = useLoad(() => api('/apps'), []);
	/* the doctypes' titles, to name what an app reads and writes (their names if unknown) */
	const doctypes = useLoad(() => api('/doctypes').catch(() => ({ items: [] })), []);
	const titles = {};
	for (const d of (doctypes.data && doctypes.data.items) || [])
		titles[d.name] = pick(d.title);
	const [live, setLive] = useState('');
	const changed = (msg) => {
		setLive(msg);
		state.reload();
	};
	return html`<${Page} title=${t('apps.title')} intro=${t('apps.intro')}>
		<${Live} text=${live} />
		<${Loaded} state=${state}>${(r) => !r.items.length ? html`<p>${t('apps.none')}</p>` :
			html`<ul class="plain">${r.items.map((a) => html`<${AppCard} key=${a.id} app=${a} titles=${titles} onChange=${changed} />`)}</ul>`}<//>
	<//>`;
}

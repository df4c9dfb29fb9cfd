// account.mjs - my account: take all my data with me (one JSON file made
// here, from the API, nothing sent anywhere), and erase my account, after a
// confirmation that says exactly what goes.
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api, apiAll, setCsrf } from '../api.mjs';
import { t, tn, pick, formatNumber } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live } from '../ui.mjs';

/* allPoints - every raw point of a series, following next_from. */
async function allPoints(id) {
	const points = [];
	let from;
	for (;;) {
		const r = await api(`/series/${id}`, { query: { from } });
		points.push(...r.points);
		if (r.next_from == null)
			return points;
		from = r.next_from;
	}
}

async function allAudit() {
	const items = [];
	let after = 0;
	for (;;) {
		const r = await api('/audit', { query: { after, limit: 1000 } });
		items.push(...r.items);
		if (r.next_after == null)
			return items;
		after = r.next_after;
	}
}

/* inventory - what my store holds: records per doctype, series, files. */
async function inventory() {
	const [dts, series] = await Promise.all([api('/doctypes'), api('/series')]);
	const documents = dts.items.filter((d) => d.kind === 'document' || d.kind === 'file');
	const counts = await Promise.all(documents.map(async (d) => {
		const items = await apiAll(`/records/${d.name}`, { fields: d.kind === 'file' ? 'name' : undefined });
		return { doctype: d, n: items.length };
	}));
	return { records: counts.filter((c) => c.n > 0), series: series.items, doctypes: dts.items };
}

function Export({ person }) {
	const [progress, setProgress] = useState('');
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const run = async () => {
		setBusy(true);
		setError(null);
		try {
			const out = { format: 'commune-export', version: 1, exported: new Date().toISOString(), person: await api('/me') };
			setProgress(t('account.export_step', { what: t('nav.consents') }));
			out.consents = (await api('/consents')).items;
			out.shares = (await api('/shares')).items;
			out.imports = (await api('/imports')).items;
			const dts = (await api('/doctypes')).items.filter((d) => d.kind === 'document' || d.kind === 'file');
			out.records = {};
			for (const d of dts) {
				setProgress(t('account.export_step', { what: pick(d.title) }));
				const items = await apiAll(`/records/${d.name}`);
				if (items.length)
					out.records[d.name] = items;
			}
			out.series = [];
			for (const s of (await api('/series')).items) {
				setProgress(t('account.export_step', { what: `${s.doctype} (${s.key})` }));
				out.series.push({ ...s, data: await allPoints(s.id) });
			}
			setProgress(t('account.export_step', { what: t('nav.audit') }));
			out.audit = await allAudit();
			const blob = new Blob([JSON.stringify(out)], { type: 'application/json' });
			const a = document.createElement('a');
			a.href = URL.createObjectURL(blob);
			a.download = `commune-${person.handle}-${out.exported.slice(0, 10)}.json`;
			document.body.appendChild(a);
			a.click();
			a.remove();
			setTimeout(() => URL.revokeObjectURL(a.href), 60000);
			setProgress(t('account.export_done', { size: formatNumber(blob.size / 1024 / 1024, 1) }));
		} catch (err) {
			setProgress('');
			setError(err);
		} finally {
			setBusy(false);
		}
	};
	return html`<section class="card" aria-labelledby="export-title">
		<h2 id="export-title">${t('account.export_title')}</h2>
		<p>${t('account.export_intro')}</p>
		<button type="button" class="primary" onClick=${run} disabled=${busy}>${t('account.export')}</button>
		<${Live} text=${progress} />
		<${Problem} error=${error} />
	</section>`;
}

function Erase({ person }) {
	const inv = useLoad(inventory, []);
	const [asking, setAsking] = useState(false);
	const [password, setPassword] = useState('');
	const [confirm, setConfirm] = useState('');
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const erase = async (e) => {
		e.preventDefault();
		setBusy(true);
		setError(null);
		try {
			await api('/me', { method: 'DELETE', body: { password, confirm } });
			setCsrf('');
			location.hash = '#/';
			location.reload();
		} catch (err) {
			setError(err);
			setBusy(false);
		}
	};
	return html`<section class="card" aria-labelledby="erase-title">
		<h2 id="erase-title">${t('account.erase_title')}</h2>
		<p>${t('account.erase_intro')}</p>
		<${Loaded} state=${inv}>${(i) => html`
			<p><strong>${t('account.erase_what')}</strong></p>
			<ul>
				<li>${t('account.erase_account', { handle: person.handle })}</li>
				${i.records.map((r) => html`<li>${tn('account.erase_records', r.n, { title: pick(r.doctype.title) })}</li>`)}
				${i.series.map((s) => html`<li>${tn('account.erase_series', s.points, { title: pick((i.doctypes.find((d) => d.name === s.doctype) || {}).title) || s.doctype, key: s.key })}</li>`)}
				<li>${t('account.erase_rest')}</li>
			</ul>`}<//>
		${!asking ? html`<button type="button" class="danger" onClick=${() => setAsking(true)}>${t('account.erase_start')}</button>` : html`
			<form onSubmit=${erase} class="form">
				<div class="field"><label for="erase-password">${t('account.erase_password')}</label>
					<input id="erase-password" type="password" autocomplete="current-password" required value=${password}
						onInput=${(e) => setPassword(e.currentTarget.value)} /></div>
				<div class="field"><label for="erase-confirm">${t('account.erase_confirm', { handle: person.handle })}</label>
					<input id="erase-confirm" autocomplete="off" required value=${confirm} onInput=${(e) => setConfirm(e.currentTarget.value)} /></div>
				${error && error.status === 403 && error.kind === 'forbidden' ? html`<p class="problem" role="alert">${t('account.erase_wrong_password')}</p>` :
					html`<${Problem} error=${error} />`}
				<div class="actions">
					<button type="submit" class="danger primary" disabled=${busy || confirm !== person.handle || !password}>${t('account.erase_go')}</button>
					<button type="button" onClick=${() => setAsking(false)}>${t('common.cancel')}</button>
				</div>
			</form>`}
	</section>`;
}

export default function Account({ person }) {
	return html`<${Page} title=${t('account.title')} intro=${t('account.intro', { handle: person.handle, role: t(`role.${person.role}`) })}>
		<${Export} person=${person} />
		<${Erase} person=${person} />
	<//>`;
}

// import.mjs - bring a holder's export file in: drop it (or choose it with
// the keyboard), watch it upload, then follow its import job until each
// file is done or says exactly where it went wrong.
import { useState, useRef } from 'preact/hooks';
import { html } from '../html.mjs';
import { api, upload } from '../api.mjs';
import { t, formatNumber, formatDateTime } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live, problemLines } from '../ui.mjs';
import { actingHeaders, getActing } from '../acting.mjs';

const POLL_MS = 600;
const COUNTS = ['records_created', 'records_duplicate', 'series_created', 'points_added', 'points_replaced', 'points_unchanged', 'warnings'];

function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

function bytes(n) {
	if (n < 1024)
		return t('import.bytes', { n: formatNumber(n) });
	if (n < 1024 * 1024)
		return t('import.kib', { n: formatNumber(n / 1024, 1) });
	return t('import.mib', { n: formatNumber(n / 1024 / 1024, 1) });
}

function FileResult({ f }) {
	return html`<li class="card">
		<h2>${f.name} <span class=${`badge ${f.status === 'done' ? 'ok' : f.status === 'failed' ? 'warn' : 'off'}`}>${t(`import.status.${f.status}`)}</span></h2>
		<p class="muted">${t('import.format', { format: f.format || t('import.format_unknown') })} · ${bytes(f.bytes_total || 0)}</p>
		${f.status === 'running' || f.status === 'queued' ? html`<label>${t('import.reading')}
			<progress max=${f.bytes_total || 1} value=${f.bytes_done || 0}></progress></label>` : null}
		${f.counts ? html`<dl class="facts">${COUNTS.filter((k) => f.counts[k]).map((k) => html`
			<dt>${t(`import.count.${k}`)}</dt><dd class="num">${formatNumber(f.counts[k])}</dd>`)}</dl>
			${!COUNTS.some((k) => f.counts[k]) ? html`<p>${t('import.nothing_new')}</p>` : null}
			<p><a href="#/explorer">${t('import.see_data')}</a></p>` : null}
		${f.error ? html`<div class="problem" role="alert">
			<p><strong>${t('import.file_failed')}</strong></p>
			<ul>
				${f.error.line != null ? html`<li>${f.error.column != null ? t('problem.at_line_column', { line: f.error.line, column: f.error.column }) : t('problem.at_line', { line: f.error.line })}</li>` : null}
				${f.error.pointer ? html`<li>${t('problem.at_pointer', { pointer: f.error.pointer })}</li>` : null}
				<li>${t('import.why', { message: f.error.message })}</li>
			</ul>
		</div>` : null}
	</li>`;
}

function Uploader({ onDone }) {
	const [files, setFiles] = useState([]);
	const [format, setFormat] = useState('');
	const [over, setOver] = useState(false);
	const [sent, setSent] = useState(null);
	const [job, setJob] = useState(null);
	const [error, setError] = useState(null);
	const [live, setLive] = useState('');
	const input = useRef(null);
	const formats = useLoad(() => api('/import-formats'), []);

	const pick = (list) => {
		setFiles(Array.from(list || []));
		setJob(null);
		setError(null);
		setSent(null);
		if (list && list.length)
			setLive(t('import.chosen', { n: list.length }));
	};
	const drop = (e) => {
		e.preventDefault();
		setOver(false);
		pick(e.dataTransfer.files);
	};
	const send = async (e) => {
		e.preventDefault();
		if (!files.length) {
			setError(null);
			setLive(t('import.choose_first'));
			return;
		}
		const form = new FormData();
		for (const f of files)
			form.append('file', f, f.name);
		if (format)
			form.append('format', format);
		setError(null);
		setJob(null);
		setSent({ done: 0, total: files.reduce((a, f) => a + f.size, 0) });
		setLive(t('import.uploading'));
		try {
			const headers = actingHeaders();
			let j = await upload('/imports', form, (done, total) => setSent({ done, total }), headers);
			setJob(j);
			setLive(t('import.importing'));
			while (j.status === 'queued' || j.status === 'running') {
				await sleep(POLL_MS);
				j = await api(`/imports/${j.id}`, { headers });
				setJob(j);
			}
			setLive(j.status === 'done' ? t('import.done') : t('import.failed'));
			onDone();
		} catch (err) {
			setError(err);
			setLive(problemLines(err)[0]);
		}
	};

	return html`<form onSubmit=${send} class="card">
		<div class=${`dropzone${over ? ' over' : ''}`}
			onDragOver=${(e) => { e.preventDefault(); setOver(true); }}
			onDragLeave=${() => setOver(false)} onDrop=${drop}>
			<p>${t('import.drop')}</p>
			<div class="field">
				<label for="import-file">${t('import.choose')}</label>
				<input id="import-file" ref=${input} type="file" multiple onChange=${(e) => pick(e.currentTarget.files)} />
			</div>
			${files.length ? html`<ul class="plain">${files.map((f) => html`<li>${f.name} (${bytes(f.size)})</li>`)}</ul>` : null}
		</div>
		<div class="controls">
			<div class="field"><label for="import-format">${t('import.format_label')}</label>
				<select id="import-format" value=${format} onChange=${(e) => setFormat(e.currentTarget.value)}>
					<option value="">${t('import.format_auto')}</option>
					${formats.data ? formats.data.items.map((f) => html`<option value=${f.name}>${f.name} — ${f.title}</option>`) : null}
				</select></div>
			<button type="submit" class="primary" disabled=${sent && !job && !error}>${t('import.send')}</button>
		</div>
		<${Live} text=${live} />
		${sent ? html`<label class="field">${t('import.upload_progress', { done: bytes(sent.done), total: bytes(sent.total) })}
			<progress max=${sent.total || 1} value=${sent.done}></progress></label>` : null}
		<${Problem} error=${error} />
		${job ? html`<ul class="plain results">${job.files.map((f) => html`<${FileResult} f=${f} />`)}</ul>` : null}
	</form>`;
}

function History({ state }) {
	return html`<section aria-labelledby="imports-title">
		<h2 id="imports-title">${t('import.history')}</h2>
		<${Loaded} state=${state}>${(r) => !r.items.length ? html`<p>${t('import.history_empty')}</p>` : html`
			<div class="table-wrap" tabindex="0" role="region" aria-label=${t('import.history_table')}><table>
				<thead><tr><th scope="col">${t('import.when')}</th><th scope="col">${t('import.file')}</th>
					<th scope="col">${t('import.format_label')}</th><th scope="col">${t('import.result')}</th></tr></thead>
				<tbody>${r.items.slice(0, 50).map((i) => html`<tr>
					<td>${formatDateTime(i.created)}</td><td>${i.name}</td><td>${i.format}</td>
					<td>${t(`import.status.${i.status}`)}${i.stats && i.stats.points_added ? ` · ${t('import.count.points_added')} ${formatNumber(i.stats.points_added)}` : ''}${i.stats && i.stats.records_created ? ` · ${t('import.count.records_created')} ${formatNumber(i.stats.records_created)}` : ''}</td>
				</tr>`)}</tbody>
			</table></div>`}<//>
	</section>`;
}

export default function Import() {
	const acting = getActing();
	const history = useLoad(() => api('/imports', { headers: actingHeaders() }), [acting && acting.mandate]);
	return html`<${Page} title=${acting ? t('import.title_for', { person: acting.person }) : t('import.title')} intro=${t('import.intro')}>
		<${Uploader} onDone=${history.reload} />
		<${History} state=${history} />
	<//>`;
}

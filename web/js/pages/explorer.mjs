// explorer.mjs - all of one's data: records of a doctype in a table, page
// by page (next_cursor), and time series as a chart with zoom and the same
// figures in a table.
import { useState, useMemo } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, pick, fieldLabel, formatNumber, formatDate, formatDateTime, locale } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, link } from '../ui.mjs';
import { Chart } from '../chart.mjs';
import { TripMap } from '../tripmap.mjs';
import { measure, seriesLabel, isoDate } from '../series.mjs';

const PAGE = 50;

/* cell - a member of a record's data as short text. */
function cell(v, key) {
	if (v == null)
		return '';
	if (typeof v === 'number')
		return formatNumber(v);
	if (typeof v === 'boolean')
		return v ? t('common.yes') : t('common.no');
	if (typeof v === 'string') {
		if (/^\d{4}-\d{2}-\d{2}T/.test(v))
			return formatDateTime(v);
		if (/^\d{4}-\d{2}-\d{2}$/.test(v) && key !== 'month')
			return formatDate(v);
		return v;
	}
	if (Array.isArray(v))
		return v.length > 6 ? t('explorer.list', { n: v.length }) : v.map((x) => cell(x)).join(', ');
	return Object.entries(v).map(([k, x]) => `${fieldLabel(k)}: ${cell(x, k)}`).join(', ');
}

/* Records - a doctype's records, page by page; `headers` may name a consent. */
export function Records({ doctype, headers }) {
	const sort = doctype.time_field ? `-${doctype.time_field}` : undefined;
	const files = doctype.kind === 'file' && !headers;
	const [pages, setPages] = useState({ key: null, items: [], next: null, error: null, busy: false });
	const state = useLoad(async () => {
		const r = await api(`/records/${doctype.name}`, { query: { sort, limit: PAGE }, headers });
		setPages({ key: doctype.name, items: r.items, next: r.next_cursor, error: null, busy: false });
		return true;
	}, [doctype.name]);
	const more = async () => {
		setPages((p) => ({ ...p, busy: true }));
		try {
			const r = await api(`/records/${doctype.name}`, { query: { sort, limit: PAGE, cursor: pages.next }, headers });
			setPages((p) => ({ ...p, items: [...p.items, ...r.items], next: r.next_cursor, busy: false }));
		} catch (error) {
			setPages((p) => ({ ...p, error, busy: false }));
		}
	};
	const columns = useMemo(() => {
		const seen = [];
		if (doctype.time_field)
			seen.push(doctype.time_field);
		for (const r of pages.items.slice(0, PAGE))
			for (const k of Object.keys(r.data))
				if (!seen.includes(k))
					seen.push(k);
		return seen.slice(0, 10);
	}, [pages.items]);
	return html`<${Loaded} state=${state}>${() => pages.key !== doctype.name ? null : !pages.items.length ?
		html`<p>${t('explorer.no_records')} <a href="#/import">${t('home.import_link')}</a></p>` : html`
		<div class="table-wrap" tabindex="0" role="region" aria-label=${t('explorer.table_of', { title: pick(doctype.title) })}>
			<table>
				<caption>${t('explorer.records_caption', { title: pick(doctype.title), n: formatNumber(pages.items.length) })}</caption>
				<thead><tr>${columns.map((c) => html`<th scope="col">${fieldLabel(c)}</th>`)}${files ? html`<th scope="col">${t('explorer.file')}</th>` : null}</tr></thead>
				<tbody>${pages.items.map((r) => html`<tr>${columns.map((c) => html`<td>${cell(r.data[c], c)}</td>`)}
					${files ? html`<td><a href=${`/api/v1/files/${r.id}`} download>${t('explorer.download')}<span class="visually-hidden"> ${r.data.name || ''}</span></a></td>` : null}</tr>`)}</tbody>
			</table>
		</div>
		<${Problem} error=${pages.error} />
		<p class="actions" aria-live="polite">
			${pages.next ? html`<button type="button" onClick=${more} disabled=${pages.busy}>${t('common.more')}</button>` :
				html`<span class="muted">${t('explorer.all_shown')}</span>`}
		</p>`}<//>`;
}

const BUCKETS = ['hour', 'day', 'week', 'month'];

function defaultRange(s) {
	const last = new Date(s.last);
	const first = new Date(s.first);
	const from = new Date(Math.max(first.getTime(), last.getTime() - 365 * 86400000));
	return { from: isoDate(from), to: isoDate(new Date(last.getTime() + 86400000)) };
}

function SeriesView({ series, doctypes }) {
	const m = measure(series);
	const [range, setRange] = useState(() => ({ ...defaultRange(series), bucket: series.step_s >= 86400 ? 'day' : 'day' }));
	const [form, setForm] = useState(range);
	/* the answer keeps the range it was asked for: while a zoom loads, the
	 * summary and the table still describe the figures shown */
	const state = useLoad(async () => ({
		r: await api(`/series/${series.id}`, {
			query: { from: range.from, to: range.to, bucket: range.bucket, agg: 'sum,mean,max,count' },
		}),
		range,
	}), [series.id, range.from, range.to, range.bucket]);
	const label = seriesLabel(series, doctypes);
	const apply = (e) => {
		e.preventDefault();
		setRange({ ...form });
	};
	const zoom = (a, b) => {
		const next = { ...range, from: isoDate(new Date(a)), to: isoDate(new Date(b + 86400000)) };
		const days = (b - a) / 86400000;
		if (days < 20 && range.bucket !== 'hour')
			next.bucket = days < 4 ? 'hour' : 'day';
		setForm(next);
		setRange(next);
	};
	const reset = () => {
		const r = { ...defaultRange(series), bucket: 'day' };
		setForm(r);
		setRange(r);
	};
	return html`<section aria-labelledby="series-title">
		<h2 id="series-title">${label}</h2>
		<p class="muted">${t('explorer.series_facts', { points: formatNumber(series.points), first: formatDate(series.first), last: formatDate(series.last), unit: series.unit })}</p>
		<form class="controls" onSubmit=${apply}>
			<div class="field"><label for="s-from">${t('explorer.from')}</label>
				<input id="s-from" type="date" value=${form.from} onInput=${(e) => setForm({ ...form, from: e.currentTarget.value })} /></div>
			<div class="field"><label for="s-to">${t('explorer.to')}</label>
				<input id="s-to" type="date" value=${form.to} onInput=${(e) => setForm({ ...form, to: e.currentTarget.value })} /></div>
			<div class="field"><label for="s-bucket">${t('explorer.bucket')}</label>
				<select id="s-bucket" value=${form.bucket} onChange=${(e) => setForm({ ...form, bucket: e.currentTarget.value })}>
					${BUCKETS.map((b) => html`<option value=${b}>${t(`bucket.${b}`)}</option>`)}
				</select></div>
			<button type="submit" class="primary">${t('explorer.show')}</button>
			<button type="button" onClick=${reset}>${t('explorer.reset')}</button>
		</form>
		<div aria-busy=${state.loading ? 'true' : 'false'}>
			<${Loaded} state=${state}>${(d) => html`<${SeriesResult} r=${d.r} m=${m} label=${label} range=${d.range} onZoom=${zoom} />`}<//>
		</div>
	</section>`;
}

/* SeriesResult - the chart and its table; the points change only with the answer. */
function SeriesResult({ r, m, label, range, onZoom }) {
	const points = useMemo(() => r.buckets.map((b) => ({ x: new Date(b.start).getTime(), y: m.value(b) })), [r]);
	if (!points.length)
		return html`<p>${t('explorer.no_points')}</p>`;
	const total = m.agg === 'sum' ? points.reduce((a, p) => a + p.y, 0) : null;
	const fmtX = (ms) => new Intl.DateTimeFormat(locale(), range.bucket === 'hour' ? { dateStyle: 'short', timeStyle: 'short' } :
		range.bucket === 'month' ? { month: 'long', year: 'numeric' } : { dateStyle: 'medium' }).format(new Date(ms));
	return html`
		<p aria-live="polite">${t('explorer.range_summary', { n: formatNumber(points.length), bucket: t(`bucket.${range.bucket}`), from: formatDate(range.from), to: formatDate(range.to) })}
			${total != null ? ` ${t('explorer.total', { total: formatNumber(total, 1), unit: m.unit })}` : ''}</p>
		<${Chart} points=${points} label=${label} unit=${m.unit} bars=${points.length <= 62} onZoom=${onZoom} />
		<details>
			<summary>${t('explorer.table_alt')}</summary>
			<div class="table-wrap" tabindex="0" role="region" aria-label=${t('explorer.table_alt')}>
				<table>
					<caption>${label}</caption>
					<thead><tr><th scope="col">${t(`bucket.${range.bucket}`)}</th><th scope="col" class="num">${m.unit}</th></tr></thead>
					<tbody>${points.map((p) => html`<tr><td>${fmtX(p.x)}</td><td class="num">${formatNumber(p.y, 2)}</td></tr>`)}</tbody>
				</table>
			</div>
		</details>`;
}

export default function Explorer({ route }) {
	const state = useLoad(() => Promise.all([api('/doctypes'), api('/series')]), []);
	const doctypeName = route.query.get('doctype');
	const seriesId = route.query.get('series');
	return html`<${Page} title=${t('explorer.title')} intro=${t('explorer.intro')}>
		<${Loaded} state=${state}>${([dts, ser]) => {
			const documents = dts.items.filter((d) => d.kind === 'document' || d.kind === 'file');
			const choose = (e) => {
				const [kind, id] = e.currentTarget.value.split(':');
				location.hash = kind === 'series' ? link('explorer', { series: id }) : link('explorer', { doctype: id });
			};
			const current = seriesId ? `series:${seriesId}` : doctypeName ? `doctype:${doctypeName}` : '';
			const series = ser.items.find((s) => s.id === seriesId);
			return html`
				<div class="controls">
					<div class="field"><label for="x-what">${t('explorer.choose')}</label>
						<select id="x-what" value=${current} onChange=${choose}>
							<option value="" disabled>${t('explorer.choose_hint')}</option>
							<optgroup label=${t('explorer.group_series')}>
								${ser.items.map((s) => html`<option value=${`series:${s.id}`}>${seriesLabel(s, dts.items)}</option>`)}
							</optgroup>
							<optgroup label=${t('explorer.group_records')}>
								${documents.map((d) => html`<option value=${`doctype:${d.name}`}>${pick(d.title)}</option>`)}
							</optgroup>
						</select></div>
				</div>
				${series ? html`<${SeriesView} key=${series.id} series=${series} doctypes=${dts.items} />` :
					seriesId ? html`<p role="alert">${t('explorer.no_series')}</p>` :
					doctypeName ? html`<${DoctypeView} name=${doctypeName} doctypes=${dts.items} />` :
					html`<p>${t('explorer.pick')}</p>`}`;
		}}<//>
	<//>`;
}

function DoctypeView({ name, doctypes }) {
	const state = useLoad(() => api(`/doctypes/${encodeURIComponent(name)}`), [name]);
	const short = doctypes.find((d) => d.name === name);
	return html`<section aria-labelledby="records-title">
		<h2 id="records-title">${short ? pick(short.title) : name}</h2>
		${name === 'mobility.trip' ? html`<${TripMap} />` : null}
		<${Loaded} state=${state}>${(dt) => html`<${Records} key=${dt.name} doctype=${dt} />`}<//>
	</section>`;
}

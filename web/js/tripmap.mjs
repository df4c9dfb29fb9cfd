// tripmap.mjs - one's trips of a month drawn as SVG lines (from start to
// end) over the territory's districts when the open data has them: no map
// tiles, nothing fetched from outside. Modes differ by colour and by dash,
// so colour is never the only cue; the records' table is the text version.
import { useState } from 'preact/hooks';
import { html } from './html.mjs';
import { api, apiAll } from './api.mjs';
import { t, has, tn, formatNumber, formatMonth } from './i18n.mjs';
import { useLoad, Loaded } from './ui.mjs';
import { monthRange } from './series.mjs';

const WIDTH = 1000;
const STYLES = [
	['#0b5cab', ''], ['#a3161c', '12 6'], ['#1d6b2f', '3 5'], ['#7a3d00', '14 4 3 4'], ['#5b2a86', '8 8'], ['#1b1f24', '2 3'],
];

/* districts - the features of the latest districts dataset, or none. */
async function districts() {
	try {
		const list = await api('/opendata');
		const d = (list.items || []).find((x) => x.kind === 'districts');
		if (!d)
			return [];
		const full = await api(`/opendata/${encodeURIComponent(d.name)}`);
		const content = typeof full.content === 'string' ? JSON.parse(full.content) : full.content;
		return (content && content.features) || [];
	} catch (e) {
		return []; /* no open data here: the trips alone */
	}
}

async function load(month) {
	let from;
	let to;
	let when;
	if (month) {
		[from, to, when] = monthRange(`${month}-15`);
	} else {
		const latest = await api('/records/mobility.trip', { query: { sort: '-start', limit: 1 } });
		if (!latest.items.length)
			return null;
		[from, to, when] = monthRange(latest.items[0].data.start);
	}
	const [trips, features] = await Promise.all([
		apiAll('/records/mobility.trip', { from, to, fields: 'from,to,mode,distance_m' }, 2000),
		districts(),
	]);
	return { when, month: from.slice(0, 7), trips: trips.filter((r) => r.data.from && r.data.to), features };
}

function rings(geometry) {
	if (!geometry)
		return [];
	if (geometry.type === 'Polygon')
		return geometry.coordinates;
	if (geometry.type === 'MultiPolygon')
		return geometry.coordinates.flat();
	return [];
}

function Drawing({ data }) {
	const pts = [];
	for (const r of data.trips)
		pts.push([r.data.from.lon, r.data.from.lat], [r.data.to.lon, r.data.to.lat]);
	for (const f of data.features)
		for (const ring of rings(f.geometry))
			pts.push(...ring);
	const lons = pts.map((p) => p[0]);
	const lats = pts.map((p) => p[1]);
	const [w, e, s, n] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
	const k = Math.cos(((s + n) / 2) * Math.PI / 180);
	const scale = WIDTH / Math.max((e - w) * k, 1e-6);
	const height = Math.max(200, Math.round((n - s) * scale));
	const x = (lon) => ((lon - w) * k * scale).toFixed(1);
	const y = (lat) => ((n - lat) * scale).toFixed(1);
	const modes = [...new Set(data.trips.map((r) => r.data.mode))];
	const style = (mode) => STYLES[modes.indexOf(mode) % STYLES.length];
	const label = (mode) => (has(`mode.${mode}`) ? t(`mode.${mode}`) : mode);
	const counts = modes.map((m) => `${label(m)} ${data.trips.filter((r) => r.data.mode === m).length}`).join(', ');
	return html`<figure class="chart">
		<svg class="tripmap" viewBox=${`-10 -10 ${WIDTH + 20} ${height + 20}`} role="img"
			aria-label=${t('tripmap.aria', { n: data.trips.length, month: formatMonth(data.when), modes: counts })}>
			${data.features.map((f) => html`<g class="district">
				${rings(f.geometry).map((ring) => html`<polygon points=${ring.map((p) => `${x(p[0])},${y(p[1])}`).join(' ')} />`)}
				${f.bbox ? html`<text x=${x((f.bbox[0] + f.bbox[2]) / 2)} y=${y((f.bbox[1] + f.bbox[3]) / 2)}>${f.properties && f.properties.name}</text>` : null}
			</g>`)}
			${data.trips.map((r) => {
				const [colour, dash] = style(r.data.mode);
				return html`<line x1=${x(r.data.from.lon)} y1=${y(r.data.from.lat)} x2=${x(r.data.to.lon)} y2=${y(r.data.to.lat)}
					stroke=${colour} stroke-dasharray=${dash || undefined} />`;
			})}
		</svg>
		<figcaption>
			<ul class="legend">${modes.map((m) => {
				const [colour, dash] = style(m);
				return html`<li><svg width="36" height="10" aria-hidden="true"><line x1="0" y1="5" x2="36" y2="5" stroke=${colour}
					stroke-width="3" stroke-dasharray=${dash || undefined} /></svg> ${label(m)}</li>`;
			})}</ul>
			<p class="muted">${data.features.length ? t('tripmap.caption') : t('tripmap.caption_nodistricts')}</p>
		</figcaption>
	</figure>`;
}

/* TripMap - the month's trips, the latest month first; a month picker. */
export function TripMap() {
	const [month, setMonth] = useState('');
	const state = useLoad(() => load(month), [month]);
	return html`<section aria-labelledby="tripmap-title">
		<h3 id="tripmap-title">${t('tripmap.title')}</h3>
		<div class="controls">
			<div class="field"><label for="tripmap-month">${t('tripmap.month')}</label>
				<input id="tripmap-month" type="month" value=${month || (state.data && state.data.month) || ''}
					onChange=${(e) => setMonth(e.currentTarget.value)} /></div>
		</div>
		<${Loaded} state=${state}>${(data) => !data || !data.trips.length ? html`<p>${t('tripmap.none')}</p>` : html`
			<p aria-live="polite">${tn('home.trips', data.trips.length)} ${t('home.in_month', { month: formatMonth(data.when) })}${' · '}${t('home.km', { km: formatNumber(data.trips.reduce((a, r) => a + (r.data.distance_m || 0), 0) / 1000, 0) })}</p>
			<${Drawing} data=${data} />`}<//>
	</section>`;
}

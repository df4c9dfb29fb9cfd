// series.mjs - what a series' numbers mean for a person: a load curve in W
// becomes kWh, a gas volume m³, water litres; other series are averaged.
import { t, pick } from './i18n.mjs';

/*
 * measure - how to read the buckets of a series: `agg` is the aggregate to
 * ask for, `unit` what is shown, and value(bucket) the number in that unit.
 */
export function measure(series) {
	const u = series.unit;
	if (u === 'W' && series.step_s > 0)
		return { agg: 'sum', unit: 'kWh', value: (b) => (b.sum * series.step_s) / 3600 / 1000 };
	if (u === 'Wh' && series.doctype.endsWith('.index'))
		return { agg: 'max', unit: 'kWh', value: (b) => b.max / 1000 };
	if (u === 'Wh')
		return { agg: 'sum', unit: 'kWh', value: (b) => b.sum / 1000 };
	if (u === 'm3e-3')
		return { agg: 'sum', unit: 'm³', value: (b) => b.sum / 1000 };
	if (u === 'L')
		return { agg: 'sum', unit: 'L', value: (b) => b.sum };
	if (u === 'udeg')
		return { agg: 'mean', unit: '°', value: (b) => b.mean / 1e6 };
	return { agg: 'mean', unit: u, value: (b) => b.mean };
}

/* seriesLabel - "Courbe de charge électrique (41832138308856)". */
export function seriesLabel(series, doctypes) {
	const dt = doctypes && doctypes.find((d) => d.name === series.doctype);
	const title = dt ? pick(dt.title) : series.doctype;
	return t('series.label', { title, key: series.key });
}

/* monthOf - the local month a bucket starting at `start` belongs to. */
export function monthOf(start) {
	return new Date(new Date(start).getTime() + 2 * 86400000);
}

/* isoDate - YYYY-MM-DD of a Date, in local time. */
export function isoDate(d) {
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/* monthRange - [first day, first day of next month] of the month of `date`. */
export function monthRange(date) {
	const d = new Date(date);
	const a = new Date(d.getFullYear(), d.getMonth(), 1);
	const b = new Date(d.getFullYear(), d.getMonth() + 1, 1);
	return [isoDate(a), isoDate(b), a];
}

// home.mjs - the 360° view: for each domain of life (energy, mobility,
// money, social, documents) the latest figures of the person's own data,
// with a link to see them in the explorer. No chart library here: the
// small monthly bars are plain SVG, so the home page stays light.
import { html } from '../html.mjs';
import { api, apiAll } from '../api.mjs';
import { t, tn, has, pick, formatNumber, formatMoney, formatDate, formatMonth } from '../i18n.mjs';
import { useLoad, Loaded, Page, link } from '../ui.mjs';
import { measure, seriesLabel, monthOf, monthRange } from '../series.mjs';

const ENERGY = /^(energy\.|water\.)/;

function Domain({ id, title, children }) {
	return html`<section class="card domain" aria-labelledby=${`domain-${id}`}>
		<h2 id=${`domain-${id}`}>${title}</h2>
		${children}
	</section>`;
}

function Empty() {
	return html`<p class="muted">${t('home.empty')} <a href="#/import">${t('home.import_link')}</a></p>`;
}

/* Bars - twelve months as SVG bars; the figures are in the text beside it. */
function Bars({ values, label }) {
	const max = Math.max(...values.map((v) => v.value), 1);
	const w = 12;
	const gap = 3;
	return html`<svg class="bars" viewBox=${`0 0 ${values.length * (w + gap)} 40`} role="img" aria-label=${label}
		preserveAspectRatio="none">
		${values.map((v, i) => {
			const hgt = Math.max(1, (v.value / max) * 38);
			return html`<rect x=${i * (w + gap)} y=${40 - hgt} width=${w} height=${hgt}><title>${v.title}</title></rect>`;
		})}
	</svg>`;
}

async function loadSeriesMonths(s) {
	const m = measure(s);
	const last = new Date(s.last);
	const from = new Date(last.getFullYear(), last.getMonth() - 11, 1);
	const r = await api(`/series/${s.id}`, { query: { bucket: 'month', agg: m.agg, from: from.toISOString() } });
	return r.buckets.map((b) => ({ month: monthOf(b.start), value: m.value(b), unit: m.unit }));
}

function EnergySeries({ s, doctypes }) {
	const state = useLoad(() => loadSeriesMonths(s), [s.id]);
	return html`<${Loaded} state=${state}>${(months) => {
		if (!months.length)
			return null;
		const latest = months[months.length - 1];
		const label = seriesLabel(s, doctypes);
		return html`<div class="figure">
			<h3>${label}</h3>
			<p class="big">${formatNumber(latest.value, latest.unit === 'm³' ? 1 : 0)} ${latest.unit}
				<span class="muted"> ${t('home.in_month', { month: formatMonth(latest.month) })}</span></p>
			<${Bars} label=${t('home.bars_label', { title: label, n: months.length })}
				values=${months.map((m) => ({ value: m.value, title: `${formatMonth(m.month)} : ${formatNumber(m.value, 0)} ${m.unit}` }))} />
			<p><a href=${link('explorer', { series: s.id })}>${t('home.see_chart')}</a></p>
		</div>`;
	}}<//>`;
}

function Energy({ series, doctypes }) {
	const list = series.filter((s) => ENERGY.test(s.doctype) && s.points > 0);
	return html`<${Domain} id="energy" title=${t('domain.energy')}>
		${list.length ? list.map((s) => html`<${EnergySeries} s=${s} doctypes=${doctypes} />`) : html`<${Empty} />`}
	<//>`;
}

async function loadMobility() {
	const latest = await api('/records/mobility.trip', { query: { sort: '-start', limit: 1 } });
	if (!latest.items.length)
		return null;
	const [from, to, month] = monthRange(latest.items[0].data.start);
	const trips = await apiAll('/records/mobility.trip', { from, to, fields: 'distance_m,mode' });
	const km = trips.reduce((a, r) => a + (r.data.distance_m || 0), 0) / 1000;
	const modes = {};
	for (const r of trips)
		modes[r.data.mode] = (modes[r.data.mode] || 0) + 1;
	let co2 = null;
	try {
		const fp = await apiAll('/records/footprint.co2.monthly', { 'filter.month': from.slice(0, 7) });
		if (fp.length)
			co2 = fp.reduce((a, r) => a + (r.data.kg_co2e || 0), 0);
	} catch (e) {
		/* no footprint computed yet: the trips are enough */
	}
	return { month, count: trips.length, km, modes, co2 };
}

function Mobility() {
	const state = useLoad(loadMobility, []);
	return html`<${Domain} id="mobility" title=${t('domain.mobility')}>
		<${Loaded} state=${state}>${(m) => !m ? html`<${Empty} />` : html`<div class="figure">
			<p class="big">${tn('home.trips', m.count)} <span class="muted">${t('home.in_month', { month: formatMonth(m.month) })}</span></p>
			<p>${t('home.km', { km: formatNumber(m.km, 0) })}${m.co2 != null ? ` · ${t('home.co2', { kg: formatNumber(m.co2, 1) })}` : ''}</p>
			<p class="muted">${Object.entries(m.modes).sort((a, b) => b[1] - a[1])
				.map(([mode, n]) => `${has(`mode.${mode}`) ? t(`mode.${mode}`) : mode} ${formatNumber(n)}`).join(' · ')}</p>
			<p><a href=${link('explorer', { doctype: 'mobility.trip' })}>${t('home.see_trips')}</a></p>
		</div>`}<//>
	<//>`;
}

async function loadMoney() {
	const latest = await api('/records/bank.transaction', { query: { sort: '-date', limit: 3 } });
	if (!latest.items.length)
		return null;
	const [from, to, month] = monthRange(latest.items[0].data.date);
	const all = await apiAll('/records/bank.transaction', { from, to, fields: 'amount,currency' });
	let income = 0;
	let spent = 0;
	for (const r of all) {
		if (r.data.amount >= 0)
			income += r.data.amount;
		else
			spent -= r.data.amount;
	}
	return { month, count: all.length, income, spent, latest: latest.items };
}

function Money() {
	const state = useLoad(loadMoney, []);
	return html`<${Domain} id="money" title=${t('domain.money')}>
		<${Loaded} state=${state}>${(m) => !m ? html`<${Empty} />` : html`<div class="figure">
			<p class="big">${tn('home.transactions', m.count)} <span class="muted">${t('home.in_month', { month: formatMonth(m.month) })}</span></p>
			<p>${t('home.income', { amount: formatMoney(m.income) })} · ${t('home.spent', { amount: formatMoney(m.spent) })}</p>
			<h3>${t('home.latest_transactions')}</h3>
			<ul class="plain">${m.latest.map((r) => html`<li><span class="num">${formatMoney(r.data.amount, r.data.currency)}</span>
				${' '}${r.data.label} <span class="muted">(${formatDate(r.data.date)})</span></li>`)}</ul>
			<p><a href=${link('explorer', { doctype: 'bank.transaction' })}>${t('home.see_transactions')}</a></p>
		</div>`}<//>
	<//>`;
}

async function loadSocial() {
	const r = await api('/records/social.allowance', { query: { sort: '-period_start', limit: 10 } });
	if (!r.items.length)
		return null;
	const first = r.items[0].data.period_start;
	const latest = r.items.filter((x) => x.data.period_start === first);
	return { month: new Date(`${first}T12:00:00`), latest, total: latest.reduce((a, x) => a + (x.data.amount || 0), 0) };
}

function Social() {
	const state = useLoad(loadSocial, []);
	return html`<${Domain} id="social" title=${t('domain.social')}>
		<${Loaded} state=${state}>${(m) => !m ? html`<${Empty} />` : html`<div class="figure">
			<p class="big">${formatMoney(m.total)} <span class="muted">${t('home.allowances_for', { month: formatMonth(m.month) })}</span></p>
			<ul class="plain">${m.latest.map((x) => html`<li>${t('home.allowance_line', {
				kind: x.data.kind.toUpperCase(), payer: x.data.payer.toUpperCase(), amount: formatMoney(x.data.amount), date: formatDate(x.data.paid_on) })}</li>`)}</ul>
			<p><a href=${link('explorer', { doctype: 'social.allowance' })}>${t('home.see_allowances')}</a></p>
		</div>`}<//>
		<p><a href="#/consents">${t('home.see_consents')}</a> · <a href="#/shares">${t('home.see_shares')}</a></p>
	<//>`;
}

async function loadDocuments() {
	const r = await api('/records/document.file', { query: { sort: '-issued', limit: 5 } });
	return r.items;
}

function Documents() {
	const state = useLoad(loadDocuments, []);
	return html`<${Domain} id="documents" title=${t('domain.documents')}>
		<${Loaded} state=${state}>${(items) => !items.length ? html`<${Empty} />` : html`<div class="figure">
			<ul class="plain">${items.map((x) => html`<li>${x.data.name} <span class="muted">(${x.data.issuer || ''} ${formatDate(x.data.issued)})</span></li>`)}</ul>
			<p><a href=${link('explorer', { doctype: 'document.file' })}>${t('home.see_documents')}</a></p>
		</div>`}<//>
	<//>`;
}

export default function Home({ person }) {
	const state = useLoad(() => Promise.all([api('/series'), api('/doctypes')]), []);
	return html`<${Page} title=${t('home.hello', { name: person.handle })} intro=${t('home.intro')}>
		<div class="domains">
			<${Loaded} state=${state}>${([series, doctypes]) => html`<${Energy} series=${series.items} doctypes=${doctypes.items} />`}<//>
			<${Mobility} />
			<${Money} />
			<${Social} />
			<${Documents} />
		</div>
	<//>`;
}

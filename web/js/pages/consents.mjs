// consents.mjs - who can see what of my data: each consent I gave, its
// grantee, purpose, data and period, since when, how often it was used;
// withdrawn in one click (after a confirmation), effective at once.
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, tn, pick, formatDate, formatDateTime } from '../i18n.mjs';
import { useLoad, Loaded, Page, Confirm, Live, Problem, link } from '../ui.mjs';

const ACTIVE = new Set(['given', 'requested']);

/* granteeText - "Ville de Villebrune (organisation)". */
export function granteeText(g) {
	if (!g)
		return '';
	return t('consent.grantee', { name: g.name || g.id, kind: t(`grantee.${g.kind}`) });
}

function doctypeTitles(names, doctypes) {
	return (names || []).map((n) => {
		const d = doctypes.find((x) => x.name === n);
		return d ? pick(d.title) : n;
	}).join(', ');
}

function ConsentCard({ c, doctypes, onWithdrawn }) {
	const [error, setError] = useState(null);
	const withdraw = async () => {
		setError(null);
		try {
			await api(`/consents/${c.id}/withdraw`, { method: 'POST' });
			onWithdrawn(c);
		} catch (err) {
			setError(err);
		}
	};
	const s = c.scope || {};
	const headingId = `consent-${c.id}`;
	return html`<li class="card" aria-labelledby=${headingId}>
		<h2 id=${headingId}>${granteeText(c.grantee)}
			${' '}<span class=${`badge ${c.status === 'given' ? 'ok' : 'off'}`}>${t(`consent.status.${c.status}`)}</span></h2>
		${c.grantee && c.grantee.blocked ? html`<p class="problem">${t('consent.blocked')}</p>` : null}
		<dl class="facts">
			<dt>${t('consent.purpose')}</dt><dd>${pick(c.purpose && c.purpose.text)}</dd>
			<dt>${t('consent.data')}</dt><dd>${doctypeTitles(s.doctypes, doctypes)}${s.fields ? ` (${t('consent.fields', { fields: s.fields.join(', ') })})` : ''}</dd>
			<dt>${t('consent.operations')}</dt><dd>${(s.operations || []).map((o) => t(`consent.op.${o}`)).join(', ')}</dd>
			${s.from || s.to ? html`<dt>${t('consent.period')}</dt><dd>${t('consent.period_value', { from: s.from ? formatDate(s.from) : '…', to: s.to ? formatDate(s.to) : '…' })}</dd>` : null}
			<dt>${t('consent.since')}</dt><dd>${formatDateTime(c.valid_from)}</dd>
			<dt>${t('consent.until')}</dt><dd>${c.valid_until ? formatDate(c.valid_until) : t('consent.no_end')}</dd>
			<dt>${t('consent.uses')}</dt><dd>${tn('consent.uses_value', c.uses || 0)}${c.last_used ? ` · ${t('consent.last_used', { when: formatDateTime(c.last_used) })}` : ''}</dd>
			${c.campaign ? html`<dt>${t('consent.campaign')}</dt><dd><a href=${link(`campaigns/${c.campaign.id}`)}>${t('consent.see_campaign')}</a></dd>` : null}
		</dl>
		<p class="actions">
			<a href=${link('audit', { consent: c.id })}>${t('consent.see_reads')}</a>
		</p>
		${ACTIVE.has(c.status) ? html`<${Confirm} danger label=${t('consent.withdraw')}
			question=${t('consent.withdraw_q', { grantee: granteeText(c.grantee) })}
			confirmLabel=${t('consent.withdraw_yes')} onConfirm=${withdraw} />` : null}
		<${Problem} error=${error} />
	</li>`;
}

export default function Consents() {
	const state = useLoad(() => Promise.all([api('/consents'), api('/doctypes')]), []);
	const [live, setLive] = useState('');
	const [showAll, setShowAll] = useState(false);
	const withdrawn = (c) => {
		setLive(t('consent.withdrawn', { grantee: granteeText(c.grantee) }));
		state.reload();
	};
	return html`<${Page} title=${t('consent.title')} intro=${t('consent.intro')}>
		<${Live} text=${live} />
		<${Loaded} state=${state}>${([list, dts]) => {
			const active = list.items.filter((c) => ACTIVE.has(c.status));
			const past = list.items.filter((c) => !ACTIVE.has(c.status));
			return html`
				${!active.length ? html`<p>${t('consent.none')}</p>` : html`<ul class="plain">${active.map((c) =>
					html`<${ConsentCard} key=${c.id} c=${c} doctypes=${dts.items} onWithdrawn=${withdrawn} />`)}</ul>`}
				${past.length ? html`<h2>${t('consent.past')}</h2>
					<button type="button" aria-expanded=${showAll ? 'true' : 'false'} onClick=${() => setShowAll(!showAll)}>
						${showAll ? t('consent.hide_past') : tn('consent.show_past', past.length)}</button>
					${showAll ? html`<ul class="plain">${past.map((c) => html`<${ConsentCard} key=${c.id} c=${c} doctypes=${dts.items} onWithdrawn=${withdrawn} />`)}</ul>` : null}` : null}`;
		}}<//>
	<//>`;
}

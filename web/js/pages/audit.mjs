// audit.mjs - the timeline of my audit chain, newest first: who saw or
// changed what, when, and why (the purpose of the consent used), with a
// check that the chain is intact.
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, tn, has, pick, formatNumber, formatDateTime } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live, link } from '../ui.mjs';
import { granteeText } from './consents.mjs';

const MAX_ENTRIES = 5000;

/* loadAll - every entry (oldest first from the server), newest first here. */
async function loadAll(consent) {
	const items = [];
	let after = 0;
	while (items.length < MAX_ENTRIES) {
		const page = await api('/audit', { query: { after, limit: 1000, consent } });
		items.push(...page.items);
		if (page.next_after == null)
			break;
		after = page.next_after;
	}
	return items.reverse();
}

/* who - the actor of an entry in words, naming the grantee when known. */
function who(actor, me, byId) {
	const [main] = actor.split('/');
	const [kind, id] = main.split(':');
	if (kind === 'person' && id === me.id)
		return t('audit.actor.me');
	if ((kind === 'person' || kind === 'service' || kind === 'org') && byId[id])
		return granteeText(byId[id]);
	const key = `audit.actor.${kind}`;
	return has(key) ? t(key, { id: id || '' }) : actor;
}

function what(e, consents) {
	const key = `audit.action.${e.action}`;
	const action = has(key) ? t(key) : e.action;
	if (e.action === 'data.read' && e.detail) {
		const c = consents.find((x) => x.id === e.detail.consent);
		const reads = e.detail.reads || [];
		const objects = [...new Set(reads.map((r) => r.object))].join(', ');
		return html`${action} : ${objects}
			<br /><span class="muted">${t('audit.why', { purpose: c ? pick(c.purpose.text) : e.detail.purpose })}${' · '}${t('audit.reads', { n: formatNumber(reads.length), records: formatNumber(reads.reduce((a, r) => a + (r.records || 0), 0)) })}</span>`;
	}
	return html`${action} <span class="muted">${e.object}</span>`;
}

function Verify() {
	const [result, setResult] = useState(null);
	const [error, setError] = useState(null);
	const check = async () => {
		setError(null);
		setResult(null);
		try {
			setResult(await api('/audit/verify'));
		} catch (err) {
			setError(err);
		}
	};
	return html`<div class="actions">
		<button type="button" onClick=${check}>${t('audit.verify')}</button>
		<${Live} text=${result ? (result.intact ? t('audit.intact', { n: formatNumber(result.entries) }) :
			t('audit.broken', { seq: result.first_bad_seq })) : ''} />
		<${Problem} error=${error} />
	</div>`;
}

export default function Audit({ person, route }) {
	const consent = route.query.get('consent') || undefined;
	const [onlyReads, setOnlyReads] = useState(false);
	const state = useLoad(() => Promise.all([loadAll(consent), api('/consents')]), [consent]);
	return html`<${Page} title=${t('audit.title')} intro=${t('audit.intro')}>
		<${Verify} />
		${consent ? html`<p>${t('audit.one_consent')} <a href=${link('audit')}>${t('audit.all')}</a></p>` : null}
		<div class="field inline">
			<input id="only-reads" type="checkbox" checked=${onlyReads} onChange=${(e) => setOnlyReads(e.currentTarget.checked)} />
			<label for="only-reads">${t('audit.only_reads')}</label>
		</div>
		<${Loaded} state=${state}>${([entries, consents]) => {
			const byId = {};
			for (const c of consents.items)
				if (c.grantee && c.grantee.id)
					byId[c.grantee.id] = c.grantee;
			const shown = onlyReads ? entries.filter((e) => e.action === 'data.read') : entries;
			if (!shown.length)
				return html`<p>${t('audit.empty')}</p>`;
			return html`<p class="muted" aria-live="polite">${tn('audit.count', shown.length)}</p>
				<ol class="timeline">${shown.slice(0, 500).map((e) => html`<li>
					<div class="when"><time datetime=${e.at}>${formatDateTime(e.at)}</time> · #${e.seq}</div>
					<div><strong>${who(e.actor, person, byId)}</strong> — ${what(e, consents.items)}</div>
				</li>`)}</ol>`;
		}}<//>
	<//>`;
}

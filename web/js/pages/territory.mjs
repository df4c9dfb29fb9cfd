// territory.mjs - the console of the territory and its organisations: the
// campaigns to follow, decide (the operator), compute and publish (their
// organisation), and indicators of use, in counts only: residents,
// consents in force, campaigns and their participants, services,
// portability requests.
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, pick, formatNumber, formatDate } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live, link } from '../ui.mjs';

/* optional - a section's data, or {forbidden: true} when the role may not see it. */
const optional = (p) => p.catch((e) => (e.status === 403 || e.status === 404 ? { forbidden: true } : Promise.reject(e)));

function Indicators({ person }) {
	const state = useLoad(() => Promise.all([
		api('/campaigns'),
		optional(api('/services')),
		person.role === 'admin' ? optional(api('/persons')) : Promise.resolve({ forbidden: true }),
		optional(api('/consents/stats')),
	]), []);
	return html`<section aria-labelledby="ind-title">
		<h2 id="ind-title">${t('territory.indicators')}</h2>
		<${Loaded} state=${state}>${([campaigns, services, persons, consents]) => {
			const byRole = {};
			if (!persons.forbidden)
				for (const p of persons.items)
					byRole[p.role] = (byRole[p.role] || 0) + 1;
			return html`<dl class="facts">
				${!persons.forbidden ? html`<dt>${t('territory.residents')}</dt><dd class="num">${formatNumber(byRole.resident || 0)}</dd>
					<dt>${t('territory.professionals')}</dt><dd class="num">${formatNumber((byRole.professional || 0) + (byRole.mediator || 0))}</dd>` : null}
				${!consents.forbidden ? html`<dt>${t('territory.consents')}</dt><dd class="num">${formatNumber(consents.in_force)}</dd>` : null}
				<dt>${t('territory.campaigns')}</dt><dd class="num">${formatNumber(campaigns.items.length)}</dd>
				<dt>${t('territory.participations')}</dt><dd class="num">${formatNumber(campaigns.items.reduce((a, c) => a + (c.participants || 0), 0))}</dd>
				${!services.forbidden ? html`<dt>${t('territory.services')}</dt><dd class="num">${formatNumber(services.items.length)}
					${' '}(${t('territory.blocked', { n: formatNumber(services.items.filter((s) => s.blocked).length) })})</dd>` : null}
			</dl>`;
		}}<//>
	</section>`;
}

function CampaignRow({ c, person, onDone }) {
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const act = async (verb) => {
		setBusy(true);
		setError(null);
		try {
			await api(`/campaigns/${c.id}/${verb}`, { method: 'POST' });
			onDone(t(`territory.done.${verb}`, { title: pick(c.title) }));
		} catch (err) {
			setError(err);
		} finally {
			setBusy(false);
		}
	};
	const admin = person.role === 'admin';
	return html`<tr>
		<th scope="row"><a href=${link(`campaigns/${c.id}`)}>${pick(c.title)}</a></th>
		<td>${t(`campaign.state.${c.state}`)}</td>
		<td class="num">${formatNumber(c.participants || 0)}</td>
		<td>${formatDate(c.closes)}</td>
		<td><div class="actions">
			${c.state === 'draft' && admin ? html`<button type="button" disabled=${busy} onClick=${() => act('approve')}>${t('territory.approve')}</button>
				<button type="button" class="danger" disabled=${busy} onClick=${() => act('reject')}>${t('territory.reject')}</button>` : null}
			${c.state === 'approved' && c.yours ? html`<button type="button" disabled=${busy} onClick=${() => act('run')}>${t('territory.run')}</button>` : null}
			${c.state === 'computed' && c.yours ? html`<button type="button" class="primary" disabled=${busy} onClick=${() => act('publish')}>${t('territory.publish')}</button>` : null}
			${c.state === 'published' ? html`<a href=${`/api/v1/campaigns/${c.id}/results?format=csv`} download>${t('campaign.download_csv')}</a>` : null}
		</div><${Problem} error=${error} /></td>
	</tr>`;
}

function Campaigns({ person, onDone, tick }) {
	const state = useLoad(() => api('/campaigns'), [tick]);
	return html`<section aria-labelledby="tc-title">
		<h2 id="tc-title">${t('territory.campaigns_title')}</h2>
		<p class="muted">${t('territory.campaigns_help')}</p>
		<${Loaded} state=${state}>${(r) => html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('territory.campaigns_table')}><table>
			<thead><tr><th scope="col">${t('territory.col_title')}</th><th scope="col">${t('mandate.status')}</th>
				<th scope="col" class="num">${t('territory.col_participants')}</th><th scope="col">${t('territory.col_closes')}</th><th scope="col">${t('territory.col_actions')}</th></tr></thead>
			<tbody>${r.items.map((c) => html`<${CampaignRow} key=${c.id} c=${c} person=${person} onDone=${onDone} />`)}</tbody>
		</table></div>`}<//>
	</section>`;
}

/* NewCampaign - a draft from its definition (docs/campaigns.md); the server checks it all. */
function NewCampaign({ onDone }) {
	const [text, setText] = useState('');
	const [error, setError] = useState(null);
	const [parseError, setParseError] = useState('');
	const send = async (e) => {
		e.preventDefault();
		setError(null);
		setParseError('');
		let body;
		try {
			body = JSON.parse(text);
		} catch (err) {
			setParseError(t('territory.not_json', { why: err.message }));
			return;
		}
		try {
			const c = await api('/campaigns', { method: 'POST', body });
			setText('');
			onDone(t('territory.drafted', { title: pick(c.title) }));
		} catch (err) {
			setError(err);
		}
	};
	return html`<form class="card" onSubmit=${send} aria-labelledby="new-campaign-title">
		<h2 id="new-campaign-title">${t('territory.new_campaign')}</h2>
		<div class="field"><label for="campaign-def">${t('territory.definition')}</label>
			<textarea id="campaign-def" class="code" rows="12" required spellcheck="false" value=${text}
				aria-describedby="campaign-def-help" onInput=${(e) => setText(e.currentTarget.value)}></textarea>
			<span id="campaign-def-help" class="muted">${t('territory.definition_help')}</span></div>
		${parseError ? html`<p class="problem" role="alert">${parseError}</p>` : html`<${Problem} error=${error} />`}
		<button type="submit" class="primary" disabled=${!text.trim()}>${t('territory.create')}</button>
	</form>`;
}

/* Services - the services registered on the territory, blocked or not. */
function Services({ tick, onDone }) {
	const state = useLoad(() => optional(api('/services')), [tick]);
	const [reason, setReason] = useState({});
	const [error, setError] = useState(null);
	const block = async (s, on) => {
		setError(null);
		try {
			await api(`/services/${s.id}/block`, on ? { method: 'POST', body: { reason: reason[s.id] || '' } } : { method: 'DELETE' });
			onDone(on ? t('territory.blocked_now', { name: s.name }) : t('territory.unblocked_now', { name: s.name }));
		} catch (err) {
			setError(err);
		}
	};
	return html`<${Loaded} state=${state}>${(r) => r.forbidden ? null : html`<section aria-labelledby="services-title">
		<h2 id="services-title">${t('territory.services_title')}</h2>
		<${Problem} error=${error} />
		${!r.items.length ? html`<p>${t('territory.no_services')}</p>` : html`<ul class="plain">${r.items.map((s) => html`<li class="card">
			<h3>${s.name} <span class="muted">(${s.org})</span> ${s.blocks && s.blocks.length ? html`<span class="badge warn">${t('territory.is_blocked')}</span>` : null}</h3>
			${(s.blocks || []).map((b) => html`<p>${t('territory.block_by', { by: b.by === 'operator' ? t('audit.actor.operator') : (b.name || b.org || b.by || ''), reason: b.reason || '' })}</p>`)}
			<div class="controls">
				<div class="field"><label for=${`reason-${s.id}`}>${t('territory.block_reason')}</label>
					<input id=${`reason-${s.id}`} value=${reason[s.id] || ''} maxlength="500"
						onInput=${(e) => setReason({ ...reason, [s.id]: e.currentTarget.value })} /></div>
				<button type="button" class="danger" disabled=${!(reason[s.id] || '').trim()} onClick=${() => block(s, true)}>${t('territory.block')}</button>
				${s.blocks && s.blocks.length ? html`<button type="button" onClick=${() => block(s, false)}>${t('territory.unblock')}</button>` : null}
			</div>
		</li>`)}</ul>`}
	</section>`}<//>`;
}

function Portability() {
	const state = useLoad(() => optional(api('/portability/stats')), []);
	return html`<${Loaded} state=${state}>${(r) => r.forbidden ? null : html`<section aria-labelledby="port-title">
		<h2 id="port-title">${t('territory.portability')}</h2>
		<div class="table-wrap" tabindex="0" role="region" aria-label=${t('territory.portability_table')}><table>
			<thead><tr><th scope="col">${t('territory.holder')}</th>${['requests', 'drafted', 'sent', 'answered', 'late'].map((k) =>
				html`<th scope="col" class="num">${t(`territory.port.${k}`)}</th>`)}</tr></thead>
			<tbody>${r.holders.map((h) => html`<tr><th scope="row">${h.name}</th>${['requests', 'drafted', 'sent', 'answered', 'late'].map((k) =>
				html`<td class="num">${formatNumber(h[k] || 0)}</td>`)}</tr>`)}</tbody>
		</table></div>
	</section>`}<//>`;
}

export default function Territory({ person }) {
	const [live, setLive] = useState('');
	const [tick, setTick] = useState(0);
	const done = (msg) => {
		setLive(msg);
		setTick((n) => n + 1);
	};
	return html`<${Page} title=${t('territory.title')} intro=${t('territory.intro')}>
		<${Live} text=${live} />
		<${Indicators} person=${person} />
		<${Campaigns} person=${person} onDone=${done} tick=${tick} />
		${person.role === 'agent' ? html`<${NewCampaign} onDone=${done} />` : null}
		<${Services} tick=${tick} onDone=${done} />
		<${Portability} />
	<//>`;
}

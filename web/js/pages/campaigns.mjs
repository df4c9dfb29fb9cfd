// campaigns.mjs - calls for data for the general interest: the list, each
// campaign in plain words (what is computed, what leaves my store, who
// decides, the risks), joining and withdrawing, and the published results.
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, tn, pick, getLang, formatNumber, formatDate } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live, Confirm, link } from '../ui.mjs';

/* joined - the list says `joined`; a campaign's page gives its `participation`. */
function joined(c) {
	if (typeof c.joined === 'boolean')
		return c.joined;
	return !!(c.participation && c.participation.joined && !c.participation.withdrawn);
}

function stateBadge(c) {
	const cls = c.state === 'published' || c.state === 'approved' ? 'ok' : c.state === 'rejected' ? 'warn' : 'off';
	return html`<span class=${`badge ${cls}`}>${t(`campaign.state.${c.state}`)}</span>`;
}

function List() {
	const state = useLoad(() => api('/campaigns'), []);
	return html`<${Page} title=${t('campaign.title')} intro=${t('campaign.intro')}>
		<${Loaded} state=${state}>${(r) => !r.items.length ? html`<p>${t('campaign.none')}</p>` : html`
			<ul class="plain">${r.items.map((c) => html`<li class="card">
				<h2><a href=${link(`campaigns/${c.id}`)}>${pick(c.title)}</a></h2>
				<p>${stateBadge(c)} ${joined(c) ? html`<span class="badge ok">${t('campaign.joined')}</span>` : null}</p>
				<p class="muted">${t('campaign.dates', { opens: formatDate(c.opens), closes: formatDate(c.closes) })}
					${' · '}${tn('campaign.participants', c.participants || 0)}</p>
			</li>`)}</ul>`}<//>
	<//>`;
}

function Results({ id }) {
	const state = useLoad(() => api(`/campaigns/${id}/results`), [id]);
	return html`<section aria-labelledby="results-title">
		<h2 id="results-title">${t('campaign.results')}</h2>
		<${Loaded} state=${state}>${(r) => {
			const dims = (r.dimensions || []).map((d) => d.name);
			const measureKeys = [];
			for (const cell of r.cells || [])
				for (const k of Object.keys(cell))
					if (!dims.includes(k) && k !== 'suppressed' && !measureKeys.includes(k))
						measureKeys.push(k);
			const m = r.methodology || {};
			return html`
				<p>${t('campaign.method', { k: m.k, epsilon: m.epsilon, n: m.participants_rounded ?? '?', suppressed: m.cells_suppressed ?? 0, cells: m.cells ?? (r.cells || []).length })}</p>
				<div class="table-wrap" tabindex="0" role="region" aria-label=${t('campaign.results_table')}><table>
					<caption>${pick(r.title)}</caption>
					<thead><tr>${dims.map((d) => html`<th scope="col">${d}</th>`)}${measureKeys.map((k) => html`<th scope="col" class="num">${k}</th>`)}</tr></thead>
					<tbody>${(r.cells || []).map((cell) => html`<tr>
						${dims.map((d) => html`<th scope="row">${String(cell[d])}</th>`)}
						${cell.suppressed ? html`<td colspan=${Math.max(1, measureKeys.length)} class="muted">${t('campaign.suppressed', { k: m.k })}</td>` :
							measureKeys.map((k) => html`<td class="num">${typeof cell[k] === 'number' ? formatNumber(cell[k], 1) : String(cell[k] ?? '')}</td>`)}
					</tr>`)}</tbody>
				</table></div>
				<p><a href=${`/api/v1/campaigns/${id}/results?format=csv`} download>${t('campaign.download_csv')}</a>
					${' · '}${t('campaign.licence', { licence: r.licence })}</p>`;
		}}<//>
	</section>`;
}

function Contribution({ id }) {
	const state = useLoad(() => api(`/campaigns/${id}/contribution`), [id]);
	return html`<${Loaded} state=${state}>${(c) => html`<p>${c.contributes ?
		tn('campaign.contributes', (c.cells || []).length) : t('campaign.not_contributing')}</p>`}<//>`;
}

function Detail({ id }) {
	const lang = getLang();
	const state = useLoad(() => api(`/campaigns/${id}`, { query: { lang } }), [id, lang]);
	const [error, setError] = useState(null);
	const [live, setLive] = useState('');
	const participate = async (join) => {
		setError(null);
		try {
			await api(`/campaigns/${id}/participation`, { method: join ? 'POST' : 'DELETE' });
			setLive(join ? t('campaign.joined_now') : t('campaign.withdrawn_now'));
			state.reload();
		} catch (err) {
			setError(err);
		}
	};
	return html`<${Loaded} state=${state}>${(c) => {
		const p = c.plain || {};
		const open = c.state === 'approved' && new Date(c.opens) <= new Date() && new Date() < new Date(c.closes);
		return html`<${Page} title=${pick(c.title)}>
			<p><a href="#/campaigns">${t('campaign.back')}</a></p>
			<p>${stateBadge(c)} ${joined(c) ? html`<span class="badge ok">${t('campaign.joined')}</span>` : null}</p>
			<section class="card" aria-labelledby="plain-title">
				<h2 id="plain-title">${t('campaign.plain')}</h2>
				<dl class="facts">
					<dt>${t('campaign.why')}</dt><dd>${pick(c.definition && c.definition.purpose)}</dd>
					<dt>${t('campaign.computed')}</dt><dd>${p.computed}</dd>
					<dt>${t('campaign.leaves')}</dt><dd><ul>${(p.leaves || []).map((l) => html`<li>${l}</li>`)}</ul></dd>
					<dt>${t('campaign.decides')}</dt><dd>${p.decides}</dd>
					<dt>${t('campaign.risks')}</dt><dd><ul>${(p.risks || []).map((l) => html`<li>${l}</li>`)}</ul></dd>
					<dt>${t('campaign.when')}</dt><dd>${t('campaign.dates', { opens: formatDate(c.opens), closes: formatDate(c.closes) })}</dd>
					<dt>${t('campaign.who_joined')}</dt><dd>${tn('campaign.participants', c.participants || 0)}</dd>
				</dl>
			</section>
			<${Live} text=${live} />
			<${Problem} error=${error} />
			${joined(c) ? html`<${Contribution} id=${id} />` : null}
			<div class="actions">
				${open && !joined(c) ? html`<button type="button" class="primary" onClick=${() => participate(true)}>${t('campaign.join')}</button>` : null}
				${open && joined(c) ? html`<${Confirm} label=${t('campaign.withdraw')} question=${t('campaign.withdraw_q')}
					confirmLabel=${t('campaign.withdraw_yes')} onConfirm=${() => participate(false)} />` : null}
				${!open && (c.state === 'computed' || c.state === 'published') ? html`<p class="muted">${t('campaign.closed')}</p>` : null}
			</div>
			${c.state === 'published' ? html`<${Results} id=${id} />` : null}
		<//>`;
	}}<//>`;
}

export default function Campaigns({ route }) {
	const id = route.parts[0];
	return id ? html`<${Detail} key=${id} id=${id} />` : html`<${List} />`;
}

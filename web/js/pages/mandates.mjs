// mandates.mjs - help under a mandate (after "Aidants Connect"): a person
// confirms or ends the mandates a mediator asked of them; a mediator asks
// for one, and acts for the person once it runs (the shell then shows a
// banner on every page until they stop).
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, formatDate, formatDateTime } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live, Confirm } from '../ui.mjs';
import { getActing, setActing } from '../acting.mjs';
import { isoDate } from '../series.mjs';

function procedures(m) {
	return ((m.mandate && m.mandate.procedures) || []).map((p) => t(`mandate.proc.${p}`)).join(', ');
}

function Facts({ m }) {
	return html`<dl class="facts">
		<dt>${t('mandate.procedures')}</dt><dd>${procedures(m)}</dd>
		<dt>${t('mandate.status')}</dt><dd>${t(`consent.status.${m.status}`)}</dd>
		<dt>${t('consent.since')}</dt><dd>${formatDateTime(m.valid_from)}</dd>
		<dt>${t('consent.until')}</dt><dd>${formatDate(m.valid_until)}</dd>
	</dl>`;
}

function Given({ m, onChange }) {
	const [error, setError] = useState(null);
	const act = async (what) => {
		setError(null);
		try {
			await api(`/mandates/${m.id}/${what}`, { method: 'POST' });
			onChange(what === 'confirm' ? t('mandate.confirmed', { who: m.grantee.name }) : t('mandate.ended', { who: m.grantee.name }));
		} catch (err) {
			setError(err);
		}
	};
	return html`<li class="card">
		<h3>${t('mandate.from', { who: m.grantee.name })}</h3>
		<${Facts} m=${m} />
		<div class="actions">
			${m.status === 'requested' ? html`<button type="button" class="primary" onClick=${() => act('confirm')}>${t('mandate.confirm')}</button>` : null}
			${m.status === 'requested' || m.status === 'given' ? html`<${Confirm} danger label=${t('mandate.end')}
				question=${t('mandate.end_q', { who: m.grantee.name })} confirmLabel=${t('mandate.end_yes')} onConfirm=${() => act('end')} />` : null}
		</div>
		<${Problem} error=${error} />
	</li>`;
}

function Held({ m, onChange }) {
	const person = m.person_handle || m.person;
	const acting = getActing();
	const start = () => {
		setActing({ mandate: m.id, person, procedures: (m.mandate && m.mandate.procedures) || [] });
		location.hash = '#/import';
	};
	return html`<li class="card">
		<h3>${t('mandate.for', { who: person })}</h3>
		<${Facts} m=${m} />
		<div class="actions">
			${m.status === 'given' && (!acting || acting.mandate !== m.id) ? html`<button type="button" class="primary" onClick=${start}>${t('mandate.act')}</button>` : null}
			${m.status === 'given' || m.status === 'requested' ? html`<${Confirm} danger label=${t('mandate.end')}
				question=${t('mandate.end_q', { who: person })} confirmLabel=${t('mandate.end_yes')}
				onConfirm=${async () => { await api(`/mandates/${m.id}/end`, { method: 'POST' }); if (acting && acting.mandate === m.id) setActing(null); onChange(t('mandate.ended', { who: person })); }} />` : null}
		</div>
	</li>`;
}

function Ask({ onAsked }) {
	const [handle, setHandle] = useState('');
	const [until, setUntil] = useState(isoDate(new Date(Date.now() + 90 * 86400000)));
	const [error, setError] = useState(null);
	const send = async (e) => {
		e.preventDefault();
		setError(null);
		try {
			await api('/mandates', { method: 'POST', body: { person: handle.trim(), procedures: ['import'], until } });
			setHandle('');
			onAsked(t('mandate.asked', { who: handle.trim() }));
		} catch (err) {
			setError(err);
		}
	};
	return html`<form class="card form" onSubmit=${send} aria-labelledby="ask-title">
		<h2 id="ask-title">${t('mandate.ask_title')}</h2>
		<p>${t('mandate.ask_intro')}</p>
		<div class="field"><label for="mandate-person">${t('share.with')}</label>
			<input id="mandate-person" required autocomplete="off" value=${handle} onInput=${(e) => setHandle(e.currentTarget.value)} /></div>
		<div class="field"><label for="mandate-until">${t('consent.until')}</label>
			<input id="mandate-until" type="date" required value=${until} onInput=${(e) => setUntil(e.currentTarget.value)} /></div>
		<${Problem} error=${error} />
		<button type="submit" class="primary" disabled=${!handle.trim()}>${t('mandate.ask')}</button>
	</form>`;
}

export default function Mandates({ person }) {
	const state = useLoad(() => api('/mandates'), []);
	const [live, setLive] = useState('');
	const changed = (msg) => {
		setLive(msg);
		state.reload();
	};
	return html`<${Page} title=${t('mandate.title')} intro=${t('mandate.intro')}>
		<${Live} text=${live} />
		<${Loaded} state=${state}>${(r) => {
			const given = r.items.filter((m) => m.person === person.id);
			const held = r.items.filter((m) => m.grantee && m.grantee.id === person.id);
			return html`
				<h2>${t('mandate.given')}</h2>
				${given.length ? html`<ul class="plain">${given.map((m) => html`<${Given} m=${m} onChange=${changed} />`)}</ul>` : html`<p>${t('mandate.none_given')}</p>`}
				${person.role === 'mediator' ? html`
					<h2>${t('mandate.held')}</h2>
					${held.length ? html`<ul class="plain">${held.map((m) => html`<${Held} key=${m.id} m=${m} onChange=${changed} />`)}</ul>` : html`<p>${t('mandate.none_held')}</p>`}
					<${Ask} onAsked=${changed} />` : null}`;
		}}<//>
	<//>`;
}

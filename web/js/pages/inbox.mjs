// inbox.mjs - for a professional: the shares addressed to me or to my
// organisation; opening one (with its passcode when it has one) shows its
// data under a permanent banner saying whose data this is and why, and the
// notes written with its owner.
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, pick, formatDate, formatDateTime } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live, link } from '../ui.mjs';
import { Records } from './explorer.mjs';

function List() {
	const state = useLoad(() => api('/inbox'), []);
	return html`<${Page} title=${t('inbox.title')} intro=${t('inbox.intro')}>
		<${Loaded} state=${state}>${(r) => !r.items.length ? html`<p>${t('inbox.none')}</p>` : html`<ul class="plain">
			${r.items.map((s) => html`<li class="card">
				<h2><a href=${link(`inbox/${s.id}`)}>${pick(s.purpose.text)}</a>
					${s.status !== 'given' ? html` <span class="badge off">${t(`consent.status.${s.status}`)}</span>` : null}</h2>
				<p class="muted">${t('inbox.facts', { since: formatDate(s.valid_from), until: formatDate(s.valid_until) })}
					${s.share && s.share.passcode ? ` · ${t('inbox.passcode')}` : ''}</p>
			</li>`)}
		</ul>`}<//>
	<//>`;
}

function Unlock({ id, onOpen }) {
	const [code, setCode] = useState('');
	const [error, setError] = useState(null);
	const send = async (e) => {
		e.preventDefault();
		setError(null);
		try {
			await api(`/shares/${id}/unlock`, { method: 'POST', body: { passcode: code } });
			onOpen();
		} catch (err) {
			setError(err);
		}
	};
	return html`<form class="card form" onSubmit=${send}>
		<div class="field"><label for="unlock-code">${t('inbox.passcode_label')}</label>
			<input id="unlock-code" type="password" autocomplete="off" required value=${code} onInput=${(e) => setCode(e.currentTarget.value)} /></div>
		${error && error.status === 403 ? html`<p class="problem" role="alert">${t('inbox.wrong_code')}</p>` : html`<${Problem} error=${error} />`}
		<button type="submit" class="primary">${t('inbox.unlock')}</button>
	</form>`;
}

function Notes({ share, onChange }) {
	const [text, setText] = useState('');
	const [error, setError] = useState(null);
	const [live, setLive] = useState('');
	const send = async (e) => {
		e.preventDefault();
		setError(null);
		try {
			await api(`/shares/${share.id}/notes`, { method: 'POST', body: { text } });
			setText('');
			setLive(t('inbox.note_sent'));
			onChange();
		} catch (err) {
			setError(err);
		}
	};
	return html`<section aria-labelledby="notes-title">
		<h2 id="notes-title">${t('inbox.notes')}</h2>
		${!share.notes || !share.notes.length ? html`<p>${t('inbox.no_notes')}</p>` : html`<ol class="timeline">
			${share.notes.map((n) => html`<li><p class="when">${n.author ? n.author.name : ''} · ${formatDateTime(n.at)}</p><p>${n.text}</p></li>`)}</ol>`}
		<form onSubmit=${send} class="card">
			<div class="field"><label for="note-text">${t('inbox.note_label')}</label>
				<textarea id="note-text" required maxlength="4000" value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea></div>
			<${Problem} error=${error} />
			<button type="submit" class="primary" disabled=${!text.trim()}>${t('inbox.note_send')}</button>
		</form>
		<${Live} text=${live} />
	</section>`;
}

function SharedData({ share }) {
	const headers = { 'Commune-Consent': share.id };
	const names = share.scope.doctypes || [];
	const state = useLoad(() => Promise.all(names.map((n) => api(`/doctypes/${encodeURIComponent(n)}`))), [share.id]);
	return html`<${Loaded} state=${state}>${(dts) => dts.filter((d) => d.kind === 'document').map((d) => html`<section>
		<h2>${pick(d.title)}</h2>
		<${Records} doctype=${d} headers=${headers} />
	</section>`)}<//>`;
}

function Open({ id }) {
	const state = useLoad(() => api(`/shares/${id}`).catch((e) => (e.status === 403 ? { locked: true } : Promise.reject(e))), [id]);
	return html`<${Loaded} state=${state}>${(s) => s.locked ? html`<${Page} title=${t('inbox.locked_title')}>
			<p><a href="#/inbox">${t('inbox.back')}</a></p>
			<${Unlock} id=${id} onOpen=${state.reload} />
		<//>` : html`<div>
		<div class="banner" role="region" aria-label=${t('inbox.banner_label')}>
			${t('inbox.banner', { purpose: pick(s.purpose.text), until: formatDate(s.valid_until) })}
			<a class="button" href="#/inbox">${t('inbox.leave')}</a>
		</div>
		<${Page} title=${pick(s.purpose.text)}>
			<p><a href="#/inbox">${t('inbox.back')}</a></p>
			<${SharedData} share=${s} />
			<${Notes} share=${s} onChange=${state.reload} />
		<//>
	</div>`}<//>`;
}

export default function Inbox({ route }) {
	const id = route.parts[0];
	return id ? html`<${Open} key=${id} id=${id} />` : html`<${List} />`;
}

// holders.mjs - getting my data back from those who hold it: the
// territory's data map (who holds what, and how to get it), a GDPR access
// or portability request written for me to send, and where each request
// stands (one month to answer from when I sent it).
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, has, pick, formatDate } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live } from '../ui.mjs';

function Letter({ request, onSent }) {
	const state = useLoad(() => api(`/portability/${request.id}`), [request.id, request.state]);
	const [error, setError] = useState(null);
	const sent = async () => {
		setError(null);
		try {
			await api(`/portability/${request.id}/sent`, { method: 'POST', body: {} });
			onSent(t('holders.marked_sent'));
		} catch (err) {
			setError(err);
		}
	};
	const download = (text) => {
		const a = document.createElement('a');
		a.href = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
		a.download = `demande-${request.kind}-${request.holder}.txt`;
		document.body.appendChild(a);
		a.click();
		a.remove();
	};
	return html`<${Loaded} state=${state}>${(r) => html`<div>
		<details>
			<summary>${t('holders.see_letter')}</summary>
			<pre class="letter" tabindex="0">${r.letter}</pre>
		</details>
		<div class="actions">
			<button type="button" onClick=${() => download(r.letter)}>${t('holders.download_letter')}</button>
			${r.state === 'draft' ? html`<button type="button" class="primary" onClick=${sent}>${t('holders.i_sent_it')}</button>` : null}
		</div>
		<${Problem} error=${error} />
	</div>`}<//>`;
}

function Requests({ tick, onChange, holders }) {
	const state = useLoad(() => api('/portability'), [tick]);
	const name = (id) => (holders.find((h) => h.id === id) || {}).name || id;
	return html`<section aria-labelledby="req-title">
		<h2 id="req-title">${t('holders.requests')}</h2>
		<${Loaded} state=${state}>${(r) => !r.items.length ? html`<p>${t('holders.no_requests')}</p>` : html`<ul class="plain">
			${r.items.map((q) => html`<li class="card">
				<h3>${t(`holders.kind.${q.kind}`)} — ${name(q.holder)} <span class=${`badge ${q.state === 'answered' ? 'ok' : q.state === 'late' ? 'warn' : 'off'}`}>${t(`holders.state.${q.state}`)}</span></h3>
				<p class="muted">${t('holders.created', { when: formatDate(q.created) })}${q.sent ? ` · ${t('holders.sent_on', { when: formatDate(q.sent) })}` : ''}${q.deadline ? ` · ${t('holders.due', { when: formatDate(q.deadline) })}` : ''}</p>
				<${Letter} request=${q} onSent=${onChange} />
			</li>`)}
		</ul>`}<//>
	</section>`;
}

/* accessWords - a way to get one's data that has no note of its own, by its kind. */
const accessWords = (a) => (has(`holders.access.${a.kind}`) ? t(`holders.access.${a.kind}`, { format: a.format ? ` (${a.format})` : '' }) : a.kind);

function Holder({ h, onAsked }) {
	const [error, setError] = useState(null);
	const ask = async (kind) => {
		setError(null);
		try {
			await api('/portability', { method: 'POST', body: { holder: h.id, kind } });
			onAsked(t('holders.drafted', { name: h.name }));
		} catch (err) {
			setError(err);
		}
	};
	return html`<li class="card">
		<h3>${h.name}</h3>
		<p>${pick(h.description)}</p>
		<p><strong>${t('holders.holds')}</strong> ${(h.data || []).map((d) => pick(d.title)).join(', ')}</p>
		<ul>${(h.access || []).filter((a) => a.kind !== 'gdpr').map((a) => html`<li>${a.note ? pick(a.note) : accessWords(a)}
			${a.url ? html` <a href=${a.url} rel="noopener noreferrer" target="_blank">${t('holders.go')}<span class="visually-hidden"> (${h.name}, ${t('holders.new_window')})</span></a>` : null}</li>`)}</ul>
		<div class="actions">
			<button type="button" onClick=${() => ask('portability')}>${t('holders.ask_portability')}</button>
			<button type="button" onClick=${() => ask('access')}>${t('holders.ask_access')}</button>
		</div>
		<${Problem} error=${error} />
	</li>`;
}

export default function Holders() {
	const map = useLoad(() => api('/datamap'), []);
	const [tick, setTick] = useState(0);
	const [live, setLive] = useState('');
	const changed = (msg) => {
		setLive(msg);
		setTick((n) => n + 1);
	};
	return html`<${Page} title=${t('holders.title')} intro=${t('holders.intro')}>
		<${Live} text=${live} />
		<${Loaded} state=${map}>${(m) => html`
			<${Requests} tick=${tick} onChange=${changed} holders=${m.holders} />
			<section aria-labelledby="map-title">
				<h2 id="map-title">${t('holders.map')}</h2>
				<ul class="plain">${m.holders.map((h) => html`<${Holder} h=${h} onAsked=${changed} />`)}</ul>
			</section>`}<//>
	<//>`;
}

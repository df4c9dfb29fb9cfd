// governance.mjs - the cooperative and the civic data trust: the bodies and
// their statutes, joining and leaving, the proposals put to them, the
// debate in threads, and my vote (one member, one vote).
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api } from '../api.mjs';
import { t, tn, pick, formatDate, formatDateTime } from '../i18n.mjs';
import { useLoad, Loaded, Page, Problem, Live, Confirm, link } from '../ui.mjs';

const VOTES = ['yes', 'no', 'abstain'];

function statutesText(s) {
	const parts = [t(`gov.rule.${s.rule}`), t('gov.quorum', { quorum: s.quorum })];
	if (s.colleges)
		parts.push(t('gov.colleges', { colleges: s.colleges.map((c) => t(`gov.college.${c.name}`)).join(', ') }));
	return parts.join(' · ');
}

function Membership({ body, onChange }) {
	const [college, setCollege] = useState(body.statutes.colleges ? body.statutes.colleges[0].name : '');
	const [error, setError] = useState(null);
	const act = async (join) => {
		setError(null);
		try {
			await api(`/bodies/${body.id}/membership`, join ? { method: 'POST', body: college ? { college } : {} } : { method: 'DELETE' });
			onChange(join ? t('gov.joined_now', { name: body.name }) : t('gov.left_now', { name: body.name }));
		} catch (err) {
			setError(err);
		}
	};
	return html`<div>
		${body.membership ? html`<p><span class="badge ok">${t('gov.member')}</span> ${t('gov.member_since', { date: formatDate(body.membership.joined) })}
				${body.membership.college ? ` · ${t(`gov.college.${body.membership.college}`)}` : ''}</p>
			<${Confirm} label=${t('gov.leave')} question=${t('gov.leave_q', { name: body.name })} confirmLabel=${t('gov.leave_yes')}
				onConfirm=${() => act(false)} />` :
			html`<div class="controls">
				${body.statutes.colleges ? html`<div class="field"><label for=${`college-${body.id}`}>${t('gov.college_label')}</label>
					<select id=${`college-${body.id}`} value=${college} onChange=${(e) => setCollege(e.currentTarget.value)}>
						${body.statutes.colleges.map((c) => html`<option value=${c.name}>${t(`gov.college.${c.name}`)}</option>`)}
					</select></div>` : null}
				<button type="button" class="primary" onClick=${() => act(true)}>${t('gov.join')}</button>
			</div>`}
		<${Problem} error=${error} />
	</div>`;
}

function Bodies() {
	const state = useLoad(() => api('/bodies'), []);
	const [live, setLive] = useState('');
	const changed = (msg) => {
		setLive(msg);
		state.reload();
	};
	return html`<${Page} title=${t('gov.title')} intro=${t('gov.intro')}>
		<${Live} text=${live} />
		<${Loaded} state=${state}>${(r) => !r.items.length ? html`<p>${t('gov.none')}</p>` : html`<ul class="plain">
			${r.items.map((b) => html`<li class="card">
				<h2><a href=${link(`governance/${b.id}`)}>${b.name}</a> <span class="badge off">${t(`gov.kind.${b.kind}`)}</span></h2>
				<p class="muted">${statutesText(b.statutes)}</p>
				<${Membership} body=${b} onChange=${changed} />
			</li>`)}
		</ul>`}<//>
	<//>`;
}

function proposalTitle(p) {
	return pick(p.text) || t(`gov.subject.${p.subject}`);
}

function Body({ id }) {
	const state = useLoad(() => api(`/bodies/${id}`), [id]);
	const proposals = useLoad(() => api(`/bodies/${id}/proposals`).catch((e) => (e.status === 403 ? { items: null } : Promise.reject(e))), [id]);
	const [live, setLive] = useState('');
	const changed = (msg) => {
		setLive(msg);
		state.reload();
		proposals.reload();
	};
	return html`<${Loaded} state=${state}>${(b) => html`<${Page} title=${b.name}>
		<p><a href="#/governance">${t('gov.back')}</a></p>
		<p class="muted">${t(`gov.kind.${b.kind}`)} · ${statutesText(b.statutes)}</p>
		<${Live} text=${live} />
		<${Membership} body=${b} onChange=${changed} />
		<h2>${t('gov.proposals')}</h2>
		<${Loaded} state=${proposals}>${(r) => r.items === null ? html`<p>${t('gov.members_only')}</p>` :
			!r.items.length ? html`<p>${t('gov.no_proposals')}</p>` : html`<ul class="plain">${r.items.map((p) => html`<li class="card">
				<h3><a href=${link(`governance/proposal/${p.id}`)}>${proposalTitle(p)}</a></h3>
				<p><span class=${`badge ${p.state === 'open' ? 'ok' : 'off'}`}>${t(`gov.pstate.${p.state}`)}</span>
					${' '}${p.state === 'open' ? t('gov.closes', { date: formatDateTime(p.closes) }) : ''}</p>
			</li>`)}</ul>`}<//>
	<//>`}<//>`;
}

function Vote({ p, onVoted }) {
	const current = p.my_vote ? (p.my_vote.vote || p.my_vote) : null;
	const [choice, setChoice] = useState(typeof current === 'string' ? current : '');
	const [error, setError] = useState(null);
	const send = async (e) => {
		e.preventDefault();
		setError(null);
		if (!choice)
			return;
		try {
			await api(`/proposals/${p.id}/vote`, { method: 'PUT', body: { vote: choice } });
			onVoted(t('gov.voted', { vote: t(`gov.vote.${choice}`) }));
		} catch (err) {
			setError(err);
		}
	};
	return html`<form onSubmit=${send} class="card">
		<fieldset>
			<legend>${t('gov.your_vote')}</legend>
			${VOTES.map((v) => html`<div class="field inline">
				<input type="radio" id=${`vote-${v}`} name="vote" value=${v} checked=${choice === v} onChange=${() => setChoice(v)} />
				<label for=${`vote-${v}`}>${t(`gov.vote.${v}`)}</label>
			</div>`)}
		</fieldset>
		${typeof current === 'string' ? html`<p>${t('gov.current_vote', { vote: t(`gov.vote.${current}`) })}</p>` : null}
		<button type="submit" class="primary" disabled=${!choice}>${current ? t('gov.change_vote') : t('gov.send_vote')}</button>
		<${Problem} error=${error} />
	</form>`;
}

function Comment({ c, byParent, open, onReply }) {
	const answers = byParent[c.id] || [];
	return html`<li>
		<p class="when">${c.author} · <time datetime=${c.at}>${formatDateTime(c.at)}</time></p>
		${c.hidden ? html`<p class="muted">${t('gov.comment_hidden')}</p>` : html`<p>${c.text}</p>`}
		${open ? html`<button type="button" onClick=${() => onReply(c)}>${t('gov.reply')}</button>` : null}
		${answers.length ? html`<ul class="timeline">${answers.map((a) => html`<${Comment} c=${a} byParent=${byParent} open=${open} onReply=${onReply} />`)}</ul>` : null}
	</li>`;
}

function Debate({ p }) {
	const state = useLoad(() => api(`/proposals/${p.id}/comments`), [p.id]);
	const [text, setText] = useState('');
	const [parent, setParent] = useState(null);
	const [error, setError] = useState(null);
	const [live, setLive] = useState('');
	const open = p.state === 'open';
	const send = async (e) => {
		e.preventDefault();
		setError(null);
		try {
			await api(`/proposals/${p.id}/comments`, { method: 'POST', body: parent ? { text, parent: parent.id } : { text } });
			setText('');
			setParent(null);
			setLive(t('gov.comment_sent'));
			state.reload();
		} catch (err) {
			setError(err);
		}
	};
	const reply = (c) => {
		setParent(c);
		setTimeout(() => document.getElementById('comment-text').focus(), 0);
	};
	return html`<section aria-labelledby="debate-title">
		<h2 id="debate-title">${t('gov.debate')}</h2>
		<${Loaded} state=${state}>${(r) => {
			const byParent = {};
			for (const c of r.items)
				(byParent[c.parent || ''] = byParent[c.parent || ''] || []).push(c);
			const roots = byParent[''] || [];
			return roots.length ? html`<ul class="timeline">${roots.map((c) => html`<${Comment} c=${c} byParent=${byParent} open=${open} onReply=${reply} />`)}</ul>` :
				html`<p>${t('gov.no_comments')}</p>`;
		}}<//>
		<${Live} text=${live} />
		${open ? html`<form onSubmit=${send} class="card">
			<div class="field">
				<label for="comment-text">${parent ? t('gov.reply_to', { author: parent.author }) : t('gov.comment_label')}</label>
				<textarea id="comment-text" required maxlength="4000" value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
			</div>
			<div class="actions">
				<button type="submit" class="primary" disabled=${!text.trim()}>${t('gov.comment_send')}</button>
				${parent ? html`<button type="button" onClick=${() => setParent(null)}>${t('gov.reply_cancel')}</button>` : null}
			</div>
			<${Problem} error=${error} />
		</form>` : html`<p class="muted">${t('gov.debate_closed')}</p>`}
	</section>`;
}

/* Agreement - what a data-sharing agreement would share, and with whom. */
function Agreement({ id }) {
	const state = useLoad(() => api(`/agreements/${id}`), [id]);
	return html`<${Loaded} state=${state}>${(a) => html`<section class="card" aria-labelledby="agreement-title">
		<h2 id="agreement-title">${pick(a.terms.title)}</h2>
		<dl class="facts">
			<dt>${t('gov.agreement_purpose')}</dt><dd>${pick(a.terms.purpose)}</dd>
			<dt>${t('gov.agreement_data')}</dt><dd><ul>${a.terms.doctypes.map((d) => html`<li>${d.doctype}${d.fields ? ` (${d.fields.join(', ')})` : ''}</li>`)}</ul></dd>
			<dt>${t('gov.agreement_period')}</dt><dd>${t('consent.period_value', { from: formatDate(a.terms.from), to: formatDate(a.terms.to) })}</dd>
			<dt>${t('gov.agreement_ends')}</dt><dd>${formatDate(a.ends)}</dd>
			<dt>${t('gov.agreement_runs')}</dt><dd>${a.runs ? t('common.yes') : t('common.no')}</dd>
		</dl>
	</section>`}<//>`;
}

function Tally({ tally }) {
	if (!tally)
		return null;
	const rows = Object.entries(tally).filter(([, v]) => typeof v === 'number' || typeof v === 'string');
	return html`<dl class="facts">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}</dl>`;
}

function Proposal({ id }) {
	const state = useLoad(() => api(`/proposals/${id}`), [id]);
	const [live, setLive] = useState('');
	const voted = (msg) => {
		setLive(msg);
		state.reload();
	};
	return html`<${Loaded} state=${state}>${(p) => html`<${Page} title=${proposalTitle(p)}>
		<p><a href=${link(`governance/${p.body}`)}>${t('gov.back_body')}</a></p>
		<dl class="facts">
			<dt>${t('gov.subject')}</dt><dd>${t(`gov.subject.${p.subject}`)}
				${p.campaign ? html` · <a href=${link(`campaigns/${p.campaign}`)}>${t('gov.see_campaign')}</a>` : null}</dd>
			<dt>${t('gov.state')}</dt><dd>${t(`gov.pstate.${p.state}`)}</dd>
			<dt>${t('gov.ballot')}</dt><dd>${t(`gov.ballot.${p.ballot}`)}</dd>
			<dt>${p.state === 'open' ? t('gov.closes_label') : t('gov.decided')}</dt><dd>${formatDateTime(p.state === 'open' ? p.closes : p.decided)}</dd>
		</dl>
		${p.agreement ? html`<${Agreement} id=${p.agreement} />` : null}
		<${Tally} tally=${p.tally} />
		<${Live} text=${live} />
		${p.state === 'open' ? html`<${Vote} p=${p} onVoted=${voted} />` : null}
		<${Debate} p=${p} />
	<//>`}<//>`;
}

export default function Governance({ route }) {
	const [a, b] = route.parts;
	if (a === 'proposal' && b)
		return html`<${Proposal} key=${b} id=${b} />`;
	if (a)
		return html`<${Body} key=${a} id=${a} />`;
	return html`<${Bodies} />`;
}

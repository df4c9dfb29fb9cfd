// main.mjs - the application's shell: the session, the header with its
// navigation and language switch, and a hash router that loads each page's
// module only when it is visited (the home page stays light).
import { render } from 'preact';
import { useState, useEffect, useRef, useErrorBoundary } from 'preact/hooks';
import { html } from './html.mjs';
import { api, setCsrf, hasCsrf, onSessionLost } from './api.mjs';
import { t, initialLang, loadLang, chooseLang, getLang, otherLang } from './i18n.mjs';
import { Login } from './pages/login.mjs';
import { Loading, Problem } from './ui.mjs';
import { getActing, setActing, onActing } from './acting.mjs';

/* The pages: route name -> module (its default export is the page). */
const PAGES = {
	'': () => import('./pages/home.mjs'),
	import: () => import('./pages/import.mjs'),
	explorer: () => import('./pages/explorer.mjs'),
	holders: () => import('./pages/holders.mjs'),
	apps: () => import('./pages/apps.mjs'),
	rights: () => import('./pages/rights.mjs'),
	consents: () => import('./pages/consents.mjs'),
	audit: () => import('./pages/audit.mjs'),
	campaigns: () => import('./pages/campaigns.mjs'),
	governance: () => import('./pages/governance.mjs'),
	shares: () => import('./pages/shares.mjs'),
	inbox: () => import('./pages/inbox.mjs'),
	mandates: () => import('./pages/mandates.mjs'),
	territory: () => import('./pages/territory.mjs'),
	account: () => import('./pages/account.mjs'),
};

/* The navigation: route, catalogue key, and who sees it (all when absent). */
const NAV = [
	['', 'nav.home'],
	['import', 'nav.import'],
	['explorer', 'nav.explorer'],
	['holders', 'nav.holders'],
	['apps', 'nav.apps'],
	['rights', 'nav.rights'],
	['consents', 'nav.consents'],
	['audit', 'nav.audit'],
	['campaigns', 'nav.campaigns'],
	['governance', 'nav.governance'],
	['shares', 'nav.shares'],
	['inbox', 'nav.inbox', ['professional', 'mediator', 'agent', 'admin']],
	['mandates', 'nav.mandates'],
	['territory', 'nav.territory', ['agent', 'admin']],
	['account', 'nav.account'],
];

/* parseHash - "#/campaigns/ID?x=1" -> {name: "campaigns", parts: ["ID"], query}. */
function parseHash() {
	const raw = location.hash.replace(/^#\/?/, '');
	const [path, search] = raw.split('?');
	const [name = '', ...parts] = path.split('/').filter(Boolean).map(decodeURIComponent);
	return { name, parts, query: new URLSearchParams(search || ''), key: raw };
}

function useRoute() {
	const [route, setRoute] = useState(parseHash);
	useEffect(() => {
		const on = () => setRoute(parseHash());
		addEventListener('hashchange', on);
		return () => removeEventListener('hashchange', on);
	}, []);
	return route;
}

function Header({ person, onLogout, onLang }) {
	const route = useRoute();
	const [open, setOpen] = useState(false);
	useEffect(() => setOpen(false), [route.key]);
	const items = NAV.filter(([, , roles]) => !roles || (person && roles.includes(person.role)));
	return html`<header class="site">
		<a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>${t('nav.skip')}</a>
		<div class="bar">
			<a class="brand" href="#/">commune</a>
			<div class="tools">
				<button type="button" class="lang" aria-label="Language / Langue" aria-describedby="lang-next"
					onClick=${onLang}>Language / Langue</button>
				<span id="lang-next" class="visually-hidden" lang=${otherLang()}>${t('nav.lang_next')}</span>
				${person ? html`<button type="button" class="menu-toggle" aria-expanded=${open ? 'true' : 'false'}
					aria-controls="main-nav" onClick=${() => setOpen(!open)}>${t('nav.menu')}</button>` : null}
				${person ? html`<button type="button" onClick=${onLogout}>${t('nav.logout')}</button>` : null}
			</div>
		</div>
		${person ? html`<nav id="main-nav" aria-label=${t('nav.label')} class=${open ? 'open' : ''}>
			<ul>${items.map(([name, key]) => html`<li><a href=${`#/${name}`}
				aria-current=${route.name === name ? 'page' : undefined}>${t(key)}</a></li>`)}</ul>
		</nav>` : null}
	</header>`;
}

/* Router - the current page's module, loaded on demand, focused on arrival. */
function Router({ person }) {
	const route = useRoute();
	const [mod, setMod] = useState({ name: null, Page: null, error: null });
	const first = useRef(true);
	useEffect(() => {
		const load = PAGES[route.name];
		if (!load) {
			setMod({ name: route.name, Page: null, error: null });
			return;
		}
		let live = true;
		load().then((m) => live && setMod({ name: route.name, Page: m.default, error: null }),
			(error) => live && setMod({ name: route.name, Page: null, error }));
		return () => { live = false; };
	}, [route.name]);
	useEffect(() => {
		if (mod.name !== route.name || !mod.Page)
			return;
		if (first.current) {
			first.current = false;
			return;
		}
		const h1 = document.querySelector('main h1');
		if (h1)
			h1.focus();
	}, [mod, route.key]);
	if (!PAGES[route.name])
		return html`<div class="page"><h1>${t('notfound.title')}</h1><p><a href="#/">${t('notfound.home')}</a></p></div>`;
	if (mod.error)
		return html`<${Problem} error=${mod.error} />`;
	if (mod.name !== route.name || !mod.Page)
		return html`<${Loading} />`;
	const Page = mod.Page;
	return html`<${Page} person=${person} route=${route} />`;
}

/* ActingBanner - says, on every page, that a mediator acts for someone. */
function ActingBanner() {
	const [acting, set] = useState(getActing);
	useEffect(() => onActing(set), []);
	if (!acting)
		return null;
	return html`<div class="banner" role="region" aria-label=${t('acting.label')}>
		${t('acting.text', { person: acting.person, procedures: acting.procedures.map((p) => t(`mandate.proc.${p}`)).join(', ') })}
		<button type="button" onClick=${() => setActing(null)}>${t('acting.stop')}</button>
	</div>`;
}

/* Guard - a page that fails to render says so, and the rest of the shell stays. */
function Guard({ children, route }) {
	const [error, reset] = useErrorBoundary((e) => console.error(e));
	useEffect(() => {
		if (error)
			reset();
	}, [route]);
	if (error)
		return html`<div class="page"><h1 tabindex="-1">${t('crash.title')}</h1>
			<p class="problem" role="alert">${t('crash.text')}</p>
			<p><a href="#/">${t('notfound.home')}</a></p></div>`;
	return children;
}

function GuardedRouter({ person }) {
	const route = useRoute();
	return html`<${Guard} route=${route.key}><${Router} person=${person} /><//>`;
}

function App() {
	const [person, setPerson] = useState(undefined);
	const [, setLangTick] = useState(0);

	useEffect(() => {
		onSessionLost(() => setPerson(null));
		/* without the tab's CSRF token a session could not write: log in again */
		if (!hasCsrf())
			setPerson(null);
		else
			api('/me').then(setPerson, () => setPerson(null));
	}, []);

	const switchLang = async () => {
		await chooseLang(otherLang());
		setLangTick((n) => n + 1);
	};
	const logout = async () => {
		try {
			await api('/auth/logout', { method: 'POST' });
		} catch (e) {
			/* the session may already be over: leave all the same */
		}
		setCsrf('');
		setActing(null);
		setPerson(null);
		location.hash = '#/';
	};
	const loggedIn = (answer) => {
		setCsrf(answer.csrf);
		setPerson(answer.person);
	};

	return html`<div class="shell" lang=${getLang()}>
		<${Header} person=${person} onLogout=${logout} onLang=${switchLang} />
		${person ? html`<${ActingBanner} />` : null}
		<main id="main" tabindex="-1">
			${person === undefined ? html`<${Loading} />` :
				person === null ? html`<${Login} onLoggedIn=${loggedIn} />` :
				html`<${GuardedRouter} person=${person} />`}
		</main>
		<footer class="site"><p>${t('footer.text')}</p></footer>
	</div>`;
}

/* the page's language is known before its catalogue arrives */
document.documentElement.lang = initialLang();
loadLang(initialLang()).catch(() => loadLang('fr')).then(() => {
	const root = document.getElementById('app');
	root.textContent = '';
	render(html`<${App} />`, root);
});

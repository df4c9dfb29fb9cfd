// boot.js - a classic script (no module, no import map) that tells people
// when the application could not start: an old browser without import
// maps, or a server whose Content-Security-Policy refuses the import map.
// The message comes from the catalogue like every other string.
(function () {
	'use strict';
	var WAIT_MS = 10000;

	function lang() {
		var saved = null;
		try {
			saved = localStorage.getItem('lang');
		} catch (e) {
			saved = null;
		}
		if (saved === 'fr' || saved === 'en')
			return saved;
		return (navigator.language || '').toLowerCase().indexOf('en') === 0 ? 'en' : 'fr';
	}

	function show(text) {
		var root = document.getElementById('app');
		if (!root || !root.querySelector('.boot'))
			return;
		var p = document.createElement('p');
		p.className = 'boot problem';
		p.setAttribute('role', 'alert');
		p.textContent = text;
		root.textContent = '';
		root.appendChild(p);
	}

	setTimeout(function () {
		var root = document.getElementById('app');
		if (!root || !root.querySelector('.boot'))
			return; /* the application is there */
		var l = lang();
		fetch('/i18n/' + l + '.json').then(function (r) {
			return r.json();
		}).then(function (c) {
			show(c['boot.failed']);
		}).catch(function () {
			show('commune: JavaScript error.');
		});
	}, WAIT_MS);
}());

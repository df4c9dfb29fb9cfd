// qr.mjs - a QR code drawn in SVG (the modules from the npm package uqr,
// web/vendor/uqr.mjs): one path of dark squares on a white square with the
// quiet zone of four modules the standard asks for, sharp edges, at most
// 22 rem wide. Used to present an attestation's token (pages/rights.mjs).
import { encode } from 'uqr';
import { html } from './html.mjs';

// QR_MAX_BYTES - what the largest QR code holds in byte mode (version 40,
// error correction level L): 2953 bytes (ISO/IEC 18004, table 7).
export const QR_MAX_BYTES = 2953;

const QUIET = 4; // modules of white around the code

// qrFits - whether TEXT (UTF-8) fits in one QR code.
export const qrFits = (text) => new TextEncoder().encode(text).length <= QR_MAX_BYTES;

// qrPath - the SVG path of the dark modules of TEXT's QR code (level L, the
// smallest version that holds it): {size, d}, size in modules with the
// quiet zone. Throws if the text does not fit.
export function qrPath(text) {
	const qr = encode(text, { ecc: 'L', border: 0 });
	let d = '';
	for (let y = 0; y < qr.size; y++) {
		for (let x = 0; x < qr.size; x++) {
			if (!qr.data[y][x])
				continue;
			/* a run of dark modules in the row is one rectangle */
			let run = 1;
			while (x + run < qr.size && qr.data[y][x + run])
				run++;
			d += `M${x + QUIET} ${y + QUIET}h${run}v1h-${run}z`;
			x += run - 1;
		}
	}
	return { size: qr.size + 2 * QUIET, d };
}

// QrCode - TEXT as a QR code image named LABEL (role="img").
export function QrCode({ text, label }) {
	const { size, d } = qrPath(text);
	return html`<svg class="qr" role="img" aria-label=${label} viewBox=${`0 0 ${size} ${size}`}
		shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
		<rect width=${size} height=${size} fill="#fff" />
		<path d=${d} fill="#000" />
	</svg>`;
}

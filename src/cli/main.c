/*
 * main.c - `commune VERB ...`: dispatch to the verbs, help and version.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "version.h"

struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct verb verbs[] = {
	{"serve", cmd_serve,
	 "commune serve [--listen 127.0.0.1:8080] [--data DIR] [--threads N] [--web DIR]\n"
	 "              [--max-connections N] [--max-per-ip N] [--request-timeout S]\n"
	 "              [--idle-timeout S] [--max-body KIB] [--max-upload BYTES[K|M|G]]\n"
	 "              [--upload-timeout S] [--import-workers N] [--import-queue N]\n"
	 "              [--no-access-log] [--secure-cookies] [--apps-certified-only]\n"
	 "              [--trusted-proxy ADDR[/BITS],...] [--vote-min-seconds N]",
	 "Serve the JSON API and the web application until SIGTERM or Ctrl-C."},
	{"user", cmd_user,
	 "commune user add HANDLE [--role resident|professional|mediator|agent|admin] [--org ORG]\n"
	 "commune user list | passwd HANDLE | disable HANDLE | enable HANDLE\n"
	 "commune user delete HANDLE --confirm HANDLE",
	 "Manage persons. `add` and `passwd` read the password from standard input (one line)."},
	{"org", cmd_org, "commune org add NAME [--kind city|holder|reuser|trust|cooperative] | org list",
	 "Manage organisations."},
	{"audit", cmd_audit, "commune audit verify (HANDLE | --person HANDLE)",
	 "Check that a person's audit chain has not been tampered with."},
	{"consent", cmd_consent,
	 "commune consent ls HANDLE [--given | --received] [--shares | --mandates]\n"
	 "commune consent end ID",
	 "A person's consents, shares and mandates; end a share or a mandate (the person's\n"
	 "chain records it, by operator:cli; it ends at once, on a running server too)."},
	{"app", cmd_app,
	 "commune app pack (DIR | builtin:NAME) [--out FILE] | sign FILE | revoke ID [--version V]\n"
	 "commune app install (FILE | builtin:NAME) --person HANDLE | remove ID --person HANDLE\n"
	 "commune app run ID --person HANDLE [--params JSON] | ls [--person HANDLE]",
	 "Apps that run inside a person's store (docs/apps.md): pack their sources, certify a\n"
	 "package as the operator (sign, revoke), install, run, list and remove them."},
	{"attest", cmd_attest,
	 "commune attest keys | rotate [--lost]\n"
	 "commune attest verify (TOKEN | -) [--nonce N --aud A] [--issuer-jwk FILE]",
	 "Attestations (docs/attestations.md): the issuer keys, their rotation, and the\n"
	 "verification of a presentation with this data directory's keys and status list."},
	{"campaign", cmd_campaign,
	 "commune campaign create --org ORG FILE.json | approve ID [--reject] | run ID | publish ID\n"
	 "commune campaign ls | show ID [--csv] | join ID --person HANDLE | withdraw ID --person HANDLE\n"
	 "commune campaign districts FILE.geojson",
	 "Campaigns (docs/campaigns.md): create one from its definition, approve or reject it\n"
	 "as the operator, run it (contributions computed in each participant's store, cells\n"
	 "under k suppressed, noise drawn), publish it; the territory's districts."},
	{"govern", cmd_govern,
	 "commune govern create NAME STATUTES.json | ls | verify BODY\n"
	 "commune govern agree BODY TERMS.json --org ORG\n"
	 "commune govern join BODY --person HANDLE [--college C] | leave BODY --person HANDLE\n"
	 "commune govern propose BODY (--campaign ID | --agreement ID | --statutes FILE)\n"
	 "                       --closes T --person HANDLE [--secret] [--vote-min-seconds N]\n"
	 "commune govern vote PROPOSAL --person HANDLE (yes|no|abstain) | close PROPOSAL",
	 "Governance bodies (docs/governance.md): the civic data trust and cooperatives, their\n"
	 "members, data agreements with organisations, proposals about campaigns, agreements and\n"
	 "statutes, and votes; verify checks a body's signed register."},
	{"datamap", cmd_datamap, "commune datamap load FILE.json | ls",
	 "The territory's data map (docs/datamap.md): load the catalogue of data holders (it\n"
	 "replaces the previous one; faults name a JSON pointer), list it."},
	{"portability", cmd_portability, "commune portability remind",
	 "Portability requests (docs/datamap.md): remind now of the requests whose one-month\n"
	 "deadline passed unanswered (`serve` does it every minute)."},
	{"opendata", cmd_opendata,
	 "commune opendata load KIND PATH --name NAME [--source S] [--licence L]\n"
	 "commune opendata ls | show NAME [--version N]",
	 "The territory's open data (docs/opendata.md): load a file (a directory for gtfs) of\n"
	 "a kind (emission_factors, districts, gtfs, tariffs, weather) as the next version of\n"
	 "a dataset (a fault names a JSON pointer or LINE:COLUMN), list them, show one."},
	{"backup", cmd_backup, "commune backup OUT [--person HANDLE]",
	 "A consistent copy of the territory (its keys, the platform store, every person's\n"
	 "store and blobs) or of one person's store, into the new directory OUT, while a\n"
	 "server runs; OUT/backup.json lists every file with its SHA-256 (docs/backup.md)."},
	{"restore", cmd_restore, "commune restore BACKUP [--person]",
	 "Put a backup back: a territory into a new or empty --data directory (then every\n"
	 "audit chain is verified), or with --person one person's store in place of theirs,\n"
	 "online. Every file is checked against backup.json before anything is written."},
	{"doctype", cmd_doctype, "commune doctype list", "List the doctype registry."},
	{"import", cmd_import,
	 "commune import --person HANDLE [--format enedis-csv|...] [--verbose] FILE...",
	 "Import holders' export files into a person's store (each file all or nothing)."},
	{"series", cmd_series,
	 "commune series ls HANDLE\n"
	 "commune series show HANDLE ID [--from T] [--to T] [--bucket Nmin|hour|day|week|month|year]\n"
	 "commune series export HANDLE ID [--from T] [--to T] [--format csv|json]",
	 "A person's time series: list, summarise, export."},
	{"synth", cmd_synth,
	 "commune synth --households N [--seed S] [--start YYYY-MM-DD] [--days D] [--first I]\n"
	 "              [--jobs J] (--out DIR | --into-store | both)",
	 "A fictional territory and its households (docs/synth.md): the holders' files in DIR,\n"
	 "and/or imported into new persons' stores (resident, no password until one is set)."},
};

#define NVERBS (sizeof(verbs) / sizeof(*verbs))

static int help(const char *verb)
{
	if (verb) {
		for (size_t i = 0; i < NVERBS; i++) {
			if (strcmp(verbs[i].name, verb) == 0) {
				printf("%s\n\n%s\nEvery verb accepts --data DIR (default: "
				       "$COMMUNE_DATA, else ./commune-data).\n",
				       verbs[i].usage, verbs[i].help);
				return 0;
			}
		}
		fprintf(stderr, "commune: no such verb \"%s\"\n", verb);
		return EXIT_USAGE;
	}
	printf("commune %s - a Self Data Territorial platform\n\nusage: commune VERB [OPTIONS]\n\n",
	       COMMUNE_VERSION);
	for (size_t i = 0; i < NVERBS; i++)
		printf("  %-9s %s\n", verbs[i].name, verbs[i].help);
	printf("\n  help VERB  details of one verb;  --version  the version\n"
	       "Exit status: 0 success, 1 error, 2 usage error. See man commune.\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		help(NULL);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("commune %s\n", COMMUNE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return help(argc > 2 ? argv[2] : NULL);
	for (size_t i = 0; i < NVERBS; i++) {
		if (strcmp(verbs[i].name, argv[1]) == 0) {
			if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))
				return help(argv[1]);
			return verbs[i].fn(argc, argv);
		}
	}
	fprintf(stderr, "commune: unknown verb \"%s\" (try: commune help)\n", argv[1]);
	return EXIT_USAGE;
}

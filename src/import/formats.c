/*
 * formats.c - the import formats commune knows, one line each. A format's
 * file defines `const struct import_format import_NAME`; add it here.
 */
#include "import/import.h"

extern const struct import_format import_enedis_csv;
extern const struct import_format import_ical;
extern const struct import_format import_ical;
extern const struct import_format import_gpx;
extern const struct import_format import_grdf;
extern const struct import_format import_enedis_dataconnect;

const struct import_format *const import_format_list[] = {
	&import_enedis_csv,
	&import_ical,
	&import_ical,
	&import_gpx,
	&import_grdf,
	&import_enedis_dataconnect,
	NULL,
};

/*
 * formats.c - the import formats commune knows, one line each. A format's
 * file defines `const struct import_format import_NAME`; add it here.
 */
#include "import/import.h"

extern const struct import_format import_enedis_csv;
extern const struct import_format import_ical;
extern const struct import_format import_bank_csv;
extern const struct import_format import_water_csv;
extern const struct import_format import_mapping;
extern const struct import_format import_ofx;
extern const struct import_format import_camt053;
extern const struct import_format import_gpx;
extern const struct import_format import_takeout;
extern const struct import_format import_grdf;
extern const struct import_format import_enedis_dataconnect;
extern const struct import_format import_enedis_index;
extern const struct import_format import_takeout_semantic;
extern const struct import_format import_emission_trips;
extern const struct import_format import_enedis_synchrone;
extern const struct import_format import_grdf_adict;
extern const struct import_format import_geojson;

const struct import_format *const import_format_list[] = {
	&import_enedis_csv,
	&import_ical,
	&import_bank_csv,
	&import_water_csv,
	&import_mapping,
	&import_ofx,
	&import_camt053,
	&import_gpx,
	&import_takeout,
	&import_grdf,
	&import_enedis_dataconnect,
	&import_enedis_index,
	&import_takeout_semantic,
	&import_emission_trips,
	&import_enedis_synchrone,
	&import_grdf_adict,
	&import_geojson,
	NULL,
};

/*
 * api_receipts.c - (being written) the routes of this file.
 */
#include "api/api.h"

const struct route api_receipts_routes[] = {
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};

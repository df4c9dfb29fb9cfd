/*
 * api_oauth.c - (being written) the routes of this file.
 */
#include "api/api.h"

const struct route api_oauth_routes[] = {
	{NULL, NULL, NULL, AUTH_NONE, NULL, NULL, GRANT_ROUTE_NONE},
};

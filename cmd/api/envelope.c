// SPDX-License-Identifier: GPL-2.0-only
/* Error codes and the JSON envelope every reply uses. */
#include "cmd/api/api.h"

static const struct {
	const char *name;
	unsigned int status;
} codes[API_CODE_COUNT] = {
    [API_OK] = {"OK", 200},
    [API_INVALID_REQUEST] = {"INVALID_REQUEST", 400},
    [API_UNAUTHORIZED] = {"UNAUTHORIZED", 401},
    [API_NOT_FOUND] = {"NOT_FOUND", 404},
    [API_METHOD_NOT_ALLOWED] = {"METHOD_NOT_ALLOWED", 405},
    [API_ALREADY_EXISTS] = {"ALREADY_EXISTS", 409},
    /* Katran has no code for it; the status tells clients the rest. */
    [API_TOO_LARGE] = {"INVALID_REQUEST", 413},
    [API_HEADERS_TOO_LARGE] = {"INVALID_REQUEST", 431},
    [API_INTERNAL_ERROR] = {"INTERNAL_ERROR", 500},
    [API_SPACE_EXHAUSTED] = {"SPACE_EXHAUSTED", 507},
};

const char *api_code_name(enum api_code code)
{
	if ((unsigned int)code >= API_CODE_COUNT)
		code = API_INTERNAL_ERROR;
	return codes[code].name;
}

unsigned int api_code_status(enum api_code code)
{
	if ((unsigned int)code >= API_CODE_COUNT)
		code = API_INTERNAL_ERROR;
	return codes[code].status;
}

json_t *api_envelope_ok(json_t *data)
{
	return json_pack("{s:b, s:o}", "success", 1, "data",
			 data ? data : json_null());
}

json_t *api_envelope_error(enum api_code code, const char *msg)
{
	return json_pack("{s:b, s:{s:s, s:s}}", "success", 0, "error", "code",
			 api_code_name(code), "message", msg ? msg : "");
}

// SPDX-License-Identifier: GPL-2.0-only
/* Overrides as JSON: the API's objects and the state file. */
#include "cmd/daemon/dm_override.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/daemon/dm_util.h"
#include "lib/file.h"

#define FILE_FORMAT "ballast-overrides"
#define FILE_VERSION 1

json_t *dm_ovr_to_json(const struct dm_override *o)
{
	char real[LB_ADDR_STRLEN];
	json_t *v;

	switch (o->kind) {
	case DM_OVR_WEIGHT:
		v = json_integer(o->weight);
		break;
	case DM_OVR_HEALTH:
		v = json_string(o->up ? "up" : "down");
		break;
	default:
		v = json_null();
		break;
	}
	return json_pack(
	    "{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:s}", "id", (json_int_t)o->id,
	    "service", o->service, "real",
	    lb_addr_port_fmt(&o->addr, o->port, real, sizeof(real)), "kind",
	    dm_ovr_kind_name(o->kind), "value", v, "created",
	    dm_time_json(o->created_ms), "expires", dm_time_json(o->expires_ms),
	    "by", o->by);
}

int dm_ovr_save(const struct dm_overrides *set, const char *path)
{
	json_t *doc, *arr = json_array();
	char *text = NULL;
	int ret = -ENOMEM;

	doc = json_pack("{s:s, s:i, s:o}", "format", FILE_FORMAT, "version",
			FILE_VERSION, "overrides", arr);
	if (!doc)
		return -ENOMEM;
	for (size_t i = 0; i < dm_ovr_count(set); i++)
		if (json_array_append_new(arr,
					  dm_ovr_to_json(dm_ovr_at(set, i))))
			goto out;
	text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	if (text)
		ret = lb_write_file_atomic(path, text, strlen(text));
out:
	free(text);
	json_decref(doc);
	return ret;
}

static int from_json(const json_t *j, struct dm_override *o, char *err,
		     size_t errlen)
{
	const char *service, *real, *kind, *created, *expires = NULL, *by = "";
	json_t *value = NULL;
	json_int_t id;
	json_error_t je;

	memset(o, 0, sizeof(*o));
	if (json_unpack_ex((json_t *)j, &je, 0,
			   "{s:I, s:s, s:s, s:s, s?o, s:s, s?s, s?s}", "id",
			   &id, "service", &service, "real", &real, "kind",
			   &kind, "value", &value, "created", &created,
			   "expires", &expires, "by", &by)) {
		snprintf(err, errlen, "%s", je.text);
		return -EINVAL;
	}
	if (id <= 0 || strlen(service) > CFG_NAME_MAX ||
	    dm_parse_real(real, &o->addr, &o->port) ||
	    dm_ovr_kind_parse(kind, &o->kind) ||
	    dm_parse_time(created, &o->created_ms) ||
	    (expires && dm_parse_time(expires, &o->expires_ms))) {
		snprintf(err, errlen, "override %lld has a bad field",
			 (long long)id);
		return -EINVAL;
	}
	if (o->kind == DM_OVR_WEIGHT && json_is_integer(value) &&
	    json_integer_value(value) >= 0 &&
	    json_integer_value(value) <= UINT32_MAX)
		o->weight = (uint32_t)json_integer_value(value);
	else if (o->kind == DM_OVR_HEALTH && json_is_string(value))
		o->up = !strcmp(json_string_value(value), "up");
	o->id = (uint64_t)id;
	snprintf(o->service, sizeof(o->service), "%s", service);
	snprintf(o->by, sizeof(o->by), "%s", by);
	return 0;
}

int dm_ovr_load(struct dm_overrides *set, const char *path, uint64_t now_ms,
		char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc, *arr, *j;
	const char *format = "";
	size_t i;
	int ret = 0;

	doc = json_load_file(path, 0, &je);
	if (!doc) {
		if (access(path, F_OK) && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column,
			 je.text);
		return -EINVAL;
	}
	arr = json_object_get(doc, "overrides");
	json_unpack(doc, "{s?s}", "format", &format);
	if (strcmp(format, FILE_FORMAT) || !json_is_array(arr)) {
		snprintf(err, errlen, "%s: not a Ballast override file", path);
		ret = -EINVAL;
		goto out;
	}
	json_array_foreach(arr, i, j)
	{
		struct dm_override o;
		char why[160];

		if (from_json(j, &o, why, sizeof(why))) {
			snprintf(err, errlen, "%s: overrides[%zu]: %s", path, i,
				 why);
			ret = -EINVAL;
			goto out;
		}
		if (o.kind != DM_OVR_DRAIN && o.expires_ms &&
		    o.expires_ms <= now_ms)
			continue; /* expired while we were away */
		ret = dm_ovr_add(set, &o, true, NULL);
		if (ret == -EEXIST)
			ret = 0;
		if (ret)
			goto out;
	}
out:
	json_decref(doc);
	return ret;
}

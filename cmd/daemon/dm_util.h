/* SPDX-License-Identifier: GPL-2.0-only */
/* Small pure helpers the daemon's API and state files share. */
#ifndef BALLAST_CMD_DAEMON_UTIL_H
#define BALLAST_CMD_DAEMON_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

/* CLOCK_REALTIME in milliseconds. */
uint64_t dm_wall_ms(void);
/* RFC 3339 in UTC with milliseconds ("2026-12-06T20:00:01.250Z"). */
const char *dm_fmt_time(uint64_t wall_ms, char *buf, size_t len);
/* dm_fmt_time as a JSON string; null for 0 (never). */
json_t *dm_time_json(uint64_t wall_ms);
/* Parse dm_fmt_time's output (and seconds without a fraction); 0 or -EINVAL. */
int dm_parse_time(const char *s, uint64_t *wall_ms);
/*
 * A real as the API names it: "ADDR:PORT" or "[V6ADDR]:PORT", percent
 * escapes decoded. 0 or -EINVAL.
 */
int dm_parse_real(const char *s, struct lb_addr *addr, uint16_t *port);

#endif

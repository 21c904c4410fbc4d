// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which IPVS services Ballast created. IPVS has nowhere to tag a service, so
 * the keys are kept in a small text file, one per line:
 *   <family> <proto> <address> <port> <fwmark>
 * e.g. "4 6 192.0.2.1 80 0" or "6 0 :: 0 7". The kernel stays the truth for
 * the state itself; the file only says which keys are ours. It is rewritten
 * atomically (temporary file, fsync, rename) after each apply. By default it
 * lives on /run, which has the same lifetime as the kernel's table.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataplane/ipvs/ipvs_internal.h"
#include "lib/array.h"
#include "lib/log.h"

bool ipvs_owned_has(const struct ipvs_owned *o, const struct rc_svc_key *k)
{
	size_t i = rc_svc_key_lower_bound(o->keys, o->n, k);

	return i < o->n && rc_svc_key_cmp(&o->keys[i], k) == 0;
}

int ipvs_owned_add(struct ipvs_owned *o, const struct rc_svc_key *k)
{
	size_t i = rc_svc_key_lower_bound(o->keys, o->n, k);

	if (i < o->n && rc_svc_key_cmp(&o->keys[i], k) == 0)
		return 0;
	if (lb_array_reserve((void **)&o->keys, &o->cap, o->n, sizeof(*o->keys),
			     64))
		return -ENOMEM;
	memmove(&o->keys[i + 1], &o->keys[i], (o->n - i) * sizeof(*o->keys));
	o->keys[i] = *k;
	o->n++;
	return 0;
}

void ipvs_owned_del(struct ipvs_owned *o, const struct rc_svc_key *k)
{
	size_t i = rc_svc_key_lower_bound(o->keys, o->n, k);

	if (i >= o->n || rc_svc_key_cmp(&o->keys[i], k) != 0)
		return;
	memmove(&o->keys[i], &o->keys[i + 1],
		(o->n - i - 1) * sizeof(*o->keys));
	o->n--;
}

void ipvs_owned_free(struct ipvs_owned *o)
{
	if (!o)
		return;
	free(o->keys);
	memset(o, 0, sizeof(*o));
}

int ipvs_owned_load(struct ipvs_owned *o, const char *path)
{
	char line[256], astr[64];
	unsigned fam, proto, port;
	unsigned long fwmark;
	unsigned lineno = 0;
	FILE *f;
	int err = 0;

	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		struct rc_svc_key k;
		struct lb_addr a;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%u %u %63s %u %lu", &fam, &proto, astr, &port,
			   &fwmark) != 5 ||
		    (fam != 4 && fam != 6) || lb_addr_parse(astr, &a) < 0 ||
		    a.family != (fam == 4 ? AF_INET : AF_INET6) ||
		    port > 65535 || proto > 255 || fwmark > UINT32_MAX) {
			lb_warn("%s:%u: ignoring malformed ownership entry",
				path, lineno);
			continue;
		}
		rc_svc_key_init(&k, &a, (uint16_t)port, (uint8_t)proto,
				(uint32_t)fwmark);
		err = ipvs_owned_add(o, &k);
		if (err)
			break;
	}
	fclose(f);
	return err;
}

static int mkdir_parent(const char *path)
{
	char dir[256];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int ipvs_owned_save(const struct ipvs_owned *o, const char *path)
{
	char tmp[300], abuf[LB_ADDR_STRLEN];
	FILE *f = NULL;
	size_t i;
	int fd, err;

	err = mkdir_parent(path);
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto fail;
	}
	fprintf(f, "# IPVS services created by ballast: family proto address "
		   "port fwmark\n");
	for (i = 0; i < o->n; i++) {
		const struct rc_svc_key *k = &o->keys[i];

		fprintf(f, "%u %u %s %u %u\n",
			k->addr.family == AF_INET6 ? 6u : 4u, k->proto,
			lb_addr_fmt(&k->addr, abuf, sizeof(abuf)), k->port,
			k->fwmark);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		err = -errno;
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0) {
		err = -errno;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	return err;
}

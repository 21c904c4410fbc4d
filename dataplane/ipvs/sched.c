// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scheduler pre-check. The kernel loads ip_vs_<name> on demand only where
 * module autoloading works; when it cannot, creating a service fails half
 * way through a plan. So before any op is sent, every scheduler the plan
 * names is checked: loaded (/sys/module/ip_vs_<name>), or else proven by
 * creating and deleting a throw-away firewall-mark service that uses it
 * (which also triggers the autoload where it works).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ip_vs.h>

#include "dataplane/ipvs/ipvs_internal.h"

/* Firewall mark of the probe service; documented in Docs/IPVS.md. */
#define IPVS_PROBE_FWMARK 0x0ba11a57u

static bool sched_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n >= IP_VS_SCHEDNAME_MAXLEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

bool ipvs_sched_loaded(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/ip_vs_%s", name);
	return access(path, F_OK) == 0;
}

static int probe_cmd(struct ipvs_nl *nl, uint8_t cmd,
		     const struct rc_service *svc, bool full)
{
	struct nl_msg *msg = ipvs_nl_msg(nl, cmd, 0);
	int err;

	if (!msg)
		return -ENOMEM;
	err = ipvs_put_service(msg, svc, full);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return ipvs_nl_exec(nl, msg, NULL, 0);
}

static int sched_probe(struct ipvs_nl *nl, const char *name)
{
	struct rc_service svc;
	int err;

	memset(&svc, 0, sizeof(svc));
	svc.key.addr.family = AF_INET;
	svc.key.fwmark = IPVS_PROBE_FWMARK;
	snprintf(svc.sched, sizeof(svc.sched), "%s", name);
	err = probe_cmd(nl, IPVS_CMD_NEW_SERVICE, &svc, true);
	if (err == -EEXIST) {
		/* left over from an interrupted run */
		(void)probe_cmd(nl, IPVS_CMD_DEL_SERVICE, &svc, false);
		err = probe_cmd(nl, IPVS_CMD_NEW_SERVICE, &svc, true);
	}
	if (err)
		return err;
	return probe_cmd(nl, IPVS_CMD_DEL_SERVICE, &svc, false);
}

int ipvs_sched_check(struct ipvs_nl *nl, const struct rc_plan *plan, char *why,
		     size_t why_len)
{
	const char *checked[32];
	size_t n_checked = 0, i, j;
	int err;

	for (i = 0; i < plan->n; i++) {
		const struct rc_op *op = &plan->ops[i];
		const char *name;
		bool seen = false;

		if (op->kind != RC_OP_SVC_ADD && op->kind != RC_OP_SVC_EDIT)
			continue;
		name = op->svc->sched;
		for (j = 0; j < n_checked; j++)
			if (!strcmp(checked[j], name))
				seen = true;
		if (seen)
			continue;
		if (!sched_name_ok(name)) {
			snprintf(why, why_len,
				 "invalid IPVS scheduler name \"%s\"", name);
			return -EINVAL;
		}
		if (!ipvs_sched_loaded(name)) {
			err = sched_probe(nl, name);
			if (err == -ENOENT) {
				snprintf(
				    why, why_len,
				    "IPVS scheduler \"%s\" is not available in "
				    "this kernel: " IPVS_REMEDY_SCHED
				    "; nothing was applied",
				    name, name);
				return err;
			}
			if (err == -EPERM || err == -EACCES) {
				snprintf(why, why_len,
					 "programming IPVS needs CAP_NET_ADMIN "
					 "(run as root or grant the "
					 "capability); nothing was applied");
				return err;
			}
			if (err) {
				snprintf(why, why_len,
					 "cannot check IPVS scheduler \"%s\": "
					 "%s; nothing was applied",
					 name, strerror(-err));
				return err;
			}
		}
		if (n_checked < sizeof(checked) / sizeof(checked[0]))
			checked[n_checked++] = name;
	}
	return 0;
}

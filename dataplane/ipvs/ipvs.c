// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IPVS dataplane: dp_ops over the kernel's "IPVS" generic-netlink family.
 * read() dumps services then each service's destinations, read_services()
 * gets the named services one by one and dumps theirs; apply() checks the
 * schedulers a plan needs, then sends every op in plan order in batches and
 * records each op's result; ownership of services is kept in owned.c's file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/ip_vs.h>

#include "dataplane/ipvs/ipvs.h"
#include "dataplane/ipvs/ipvs_internal.h"
#include "lib/log.h"

/* Environment override of the ownership file (tests, several instances). */
#define DP_IPVS_OWNED_ENV "BALLAST_IPVS_OWNED"

/*
 * Keys of the services the config names, built the same way as the desired
 * state's. Copied, because the config may be replaced while the dataplane
 * stays open.
 */
static int named_keys(struct ipvs_owned *named, const struct cfg *cfg)
{
	size_t i;
	int err;

	for (i = 0; cfg && i < cfg->n_services; i++) {
		const struct cfg_service *cs = &cfg->services[i];
		struct rc_svc_key k;

		rc_svc_key_init(&k, &cs->addr, cs->fwmark ? 0 : cs->port,
				cs->fwmark ? 0 : (uint8_t)cs->proto,
				cs->fwmark);
		err = ipvs_owned_add(named, &k);
		if (err)
			return err;
	}
	return 0;
}

/*
 * IPVS keeps one table per network namespace: writers in one netns exclude
 * each other, those in two do not. Without /proc the netns is unknown and one
 * lock for every netns errs on the safe side.
 */
static void set_lock_name(struct dp *dp)
{
	char key[48] = "netns-unknown";
	struct stat sb;

	if (!stat("/proc/self/ns/net", &sb))
		snprintf(key, sizeof(key), "netns-%llu",
			 (unsigned long long)sb.st_ino);
	if (lb_lock_name(dp->lock_name, sizeof(dp->lock_name), "ipvs", key))
		snprintf(dp->lock_name, sizeof(dp->lock_name), "ipvs");
}

static bool ipvs_lock_id(const struct dp *dp, const char **name,
			 const char **what)
{
	*name = dp->lock_name;
	*what = "ipvs";
	return true;
}

static int ipvs_open(struct dp **out, const struct dp_open_args *args)
{
	char why[256] = "";
	const char *path = getenv(DP_IPVS_OWNED_ENV);
	struct dp *dp;
	int err;

	*out = NULL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->read_only = args && args->read_only;
	err = named_keys(&dp->named, args ? args->cfg : NULL);
	if (err)
		goto fail;
	snprintf(dp->owned_path, sizeof(dp->owned_path), "%s",
		 path && path[0] ? path : DP_IPVS_OWNED_PATH);
	set_lock_name(dp);
	err = ipvs_nl_open(&dp->nl, why, sizeof(why));
	if (err) {
		lb_err("ipvs: %s", why[0] ? why : strerror(-err));
		goto fail;
	}
	err = ipvs_owned_load(&dp->owned, dp->owned_path);
	if (err) {
		lb_err("ipvs: cannot read ownership file %s: %s",
		       dp->owned_path, strerror(-err));
		goto fail;
	}
	*out = dp;
	return 0;
fail:
	ipvs_nl_close(dp->nl);
	ipvs_owned_free(&dp->owned);
	ipvs_owned_free(&dp->named);
	free(dp);
	return err;
}

static void save_owned(struct dp *dp)
{
	int err = ipvs_owned_save(&dp->owned, dp->owned_path);

	if (err)
		lb_warn(
		    "ipvs: cannot write ownership file %s: %s; services "
		    "created now will be treated as foreign after a restart",
		    dp->owned_path, strerror(-err));
}

static bool claim(struct dp *dp, const struct rc_svc_key *k)
{
	if (ipvs_owned_has(&dp->owned, k))
		return false;
	return ipvs_owned_add(&dp->owned, k) == 0;
}

static bool release(struct dp *dp, const struct rc_svc_key *k)
{
	if (!ipvs_owned_has(&dp->owned, k))
		return false;
	ipvs_owned_del(&dp->owned, k);
	return true;
}

static void read_failed(const char *what, int err)
{
	if (err == -EPERM || err == -EACCES)
		lb_err("ipvs: reading IPVS needs CAP_NET_ADMIN (run as root or "
		       "grant the capability)");
	else
		lb_err("ipvs: %s: %s", what, strerror(-err));
}

/*
 * Second half of every read: the destinations of each service in `actual`
 * (services only, unsorted), ownership, and the sort.
 */
static int read_dests(struct dp *dp, struct rc_state *actual)
{
	size_t i;
	int err;

	/* No more services are appended, so pointers into actual hold. */
	for (i = 0; i < actual->n; i++) {
		struct rc_service *svc = &actual->svcs[i];

		err = ipvs_dump_dests(dp->nl, svc);
		if (err == -ESRCH)
			continue; /* deleted between the two requests */
		if (err) {
			char key[96], what[128];

			snprintf(what, sizeof(what),
				 "dumping destinations of %s",
				 rc_svc_key_fmt(&svc->key, key, sizeof(key)));
			read_failed(what, err);
			return err;
		}
		svc->owned = ipvs_owned_has(&dp->owned, &svc->key);
	}
	/*
	 * A handle opened to apply claims what the config names right away:
	 * a converged table produces no plan, and the claim must not wait
	 * for the next change (e.g. after the ownership file was lost).
	 */
	if (!dp->read_only) {
		bool changed = false;

		for (i = 0; i < dp->named.n; i++)
			changed |= claim(dp, &dp->named.keys[i]);
		if (changed)
			save_owned(dp);
	}
	dp->reads++;
	return rc_state_sort(actual);
}

/*
 * Which services are ours is dataplane state another writer may have changed
 * since open (or since our last read): read it again, inside the writer lock
 * a writer holds by now, like the table itself.
 */
static int reload_owned(struct dp *dp)
{
	struct ipvs_owned fresh = {0};
	int err = ipvs_owned_load(&fresh, dp->owned_path);

	if (err) {
		lb_err("ipvs: cannot read ownership file %s: %s",
		       dp->owned_path, strerror(-err));
		ipvs_owned_free(&fresh);
		return err;
	}
	ipvs_owned_free(&dp->owned);
	dp->owned = fresh;
	return 0;
}

static int ipvs_read(struct dp *dp, struct rc_state *actual)
{
	int err = reload_owned(dp);

	if (err)
		return err;
	err = ipvs_dump_services(dp->nl, actual);

	if (err) {
		read_failed("dumping services", err);
		return err;
	}
	return read_dests(dp, actual);
}

/* One GET_SERVICE per distinct key, then the destinations of those found. */
static int ipvs_read_services(struct dp *dp, const struct rc_svc_key *keys,
			      size_t n, struct rc_state *actual)
{
	struct rc_svc_key *sorted;
	size_t i;
	int err = reload_owned(dp);

	if (err)
		return err;
	if (!n)
		return read_dests(dp, actual);
	if (rc_svc_keys_sorted(keys, n, &sorted))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (i && !rc_svc_key_cmp(&sorted[i - 1], &sorted[i]))
			continue;
		err = ipvs_get_service(dp->nl, &sorted[i], actual);
		if (err == -ESRCH) {
			err = 0; /* not in the kernel: absent from actual */
			continue;
		}
		if (err) {
			char key[96], what[128];

			snprintf(what, sizeof(what), "reading service %s",
				 rc_svc_key_fmt(&sorted[i], key, sizeof(key)));
			read_failed(what, err);
			break;
		}
	}
	free(sorted);
	return err ? err : read_dests(dp, actual);
}

struct apply_ctx {
	struct dp *dp;
	const struct rc_plan *plan;
	struct dp_result *res;
	int first_err;
};

static void apply_ack(void *ctx, size_t tag, int err, const char *ext)
{
	struct apply_ctx *a = ctx;
	char msg[512];

	a->res->err[tag] = err;
	if (!err) {
		a->res->n_ok++;
		return;
	}
	a->res->n_failed++;
	ipvs_explain(msg, sizeof(msg), &a->plan->ops[tag], err, ext);
	lb_err("%s", msg);
	if (a->res->detail)
		a->res->detail[tag] = strdup(msg);
	if (!a->first_err)
		a->first_err = err;
}

static struct nl_msg *op_msg(struct ipvs_nl *nl, const struct rc_op *op,
			     int *err)
{
	static const uint8_t cmd[] = {
	    [RC_OP_SVC_ADD] = IPVS_CMD_NEW_SERVICE,
	    [RC_OP_SVC_EDIT] = IPVS_CMD_SET_SERVICE,
	    [RC_OP_REAL_ADD] = IPVS_CMD_NEW_DEST,
	    [RC_OP_REAL_EDIT] = IPVS_CMD_SET_DEST,
	    [RC_OP_REAL_DEL] = IPVS_CMD_DEL_DEST,
	    [RC_OP_SVC_DEL] = IPVS_CMD_DEL_SERVICE,
	};
	struct nl_msg *msg;

	if ((unsigned)op->kind >= sizeof(cmd)) {
		*err = -EINVAL;
		return NULL;
	}
	msg = ipvs_nl_msg(nl, cmd[op->kind], 0);
	if (!msg) {
		*err = -ENOMEM;
		return NULL;
	}
	switch (op->kind) {
	case RC_OP_SVC_ADD:
	case RC_OP_SVC_EDIT:
		*err = ipvs_put_service(msg, op->svc, true);
		break;
	case RC_OP_SVC_DEL:
		*err = ipvs_put_service(msg, op->svc, false);
		break;
	case RC_OP_REAL_ADD:
	case RC_OP_REAL_EDIT:
		/* An edit is always SET_DEST: a weight going 0 -> N or a
		 * forwarding change keeps the destination and its
		 * connections. */
		*err = ipvs_put_dest(msg, op->svc, op->real, true);
		break;
	case RC_OP_REAL_DEL:
		*err = ipvs_put_dest(msg, op->svc, op->real, false);
		break;
	}
	if (*err) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Mark every op refused before anything was sent. */
static void refuse_all(struct dp_result *res, int err, const char *why)
{
	size_t i;

	for (i = 0; i < res->n; i++) {
		res->err[i] = err;
		if (res->detail && i == 0)
			res->detail[i] = strdup(why);
	}
	res->n_failed = res->n;
}

/*
 * After an apply: every service the config names is ours (built the same way
 * as the desired state's keys), as is every service a plan created or
 * changed; deleted services and creations that failed are not.
 */
static void update_owned(struct dp *dp, const struct rc_plan *plan,
			 const struct dp_result *res)
{
	bool changed = false;
	size_t i;

	for (i = 0; i < dp->named.n; i++)
		changed |= claim(dp, &dp->named.keys[i]);
	for (i = 0; i < plan->n; i++) {
		const struct rc_op *op = &plan->ops[i];

		switch (op->kind) {
		case RC_OP_SVC_DEL:
			if (!res->err[i])
				changed |= release(dp, &op->svc->key);
			break;
		case RC_OP_SVC_ADD:
			if (res->err[i])
				changed |= release(dp, &op->svc->key);
			else
				changed |= claim(dp, &op->svc->key);
			break;
		case RC_OP_REAL_DEL:
			break; /* also emitted for foreign services with --prune
				*/
		default:
			changed |= claim(dp, &op->svc->key);
			break;
		}
	}
	if (changed)
		save_owned(dp);
}

static int ipvs_apply(struct dp *dp, const struct rc_plan *plan,
		      struct dp_result *res)
{
	struct apply_ctx a = {.dp = dp, .plan = plan, .res = res};
	char why[320] = "";
	size_t i;
	int err;

	err = dp_result_reset(res, plan->n);
	if (err)
		return err;
	if (!plan->n) {
		if (!dp->read_only)
			update_owned(dp, plan, res);
		return 0;
	}
	if (dp->read_only) {
		refuse_all(res, -EROFS, "ipvs: opened read-only");
		return -EROFS;
	}
	err = ipvs_sched_check(dp->nl, plan, why, sizeof(why));
	if (err) {
		lb_err("ipvs: %s", why);
		refuse_all(res, err, why);
		dp->ops_failed += plan->n;
		return err;
	}
	for (i = 0; i < plan->n; i++) {
		struct nl_msg *msg = op_msg(dp->nl, &plan->ops[i], &err);

		if (!msg) {
			apply_ack(&a, i, err, NULL);
			continue;
		}
		err = ipvs_nl_push(dp->nl, msg, i, apply_ack, &a);
		if (err)
			goto transport;
	}
	err = ipvs_nl_flush(dp->nl, apply_ack, &a);
	if (err)
		goto transport;
	update_owned(dp, plan, res);
	dp->ops_ok += res->n_ok;
	dp->ops_failed += res->n_failed;
	return a.first_err;
transport:
	/* Ops whose ack never came are unknown: report them failed; the next
	 * read shows what the kernel holds. */
	lb_err("ipvs: netlink transport failed: %s", strerror(-err));
	/* Acks arrive in op order, so the unanswered ops are the tail. */
	for (i = res->n_ok + res->n_failed; i < plan->n; i++) {
		res->err[i] = err;
		res->n_failed++;
	}
	update_owned(dp, plan, res);
	dp->ops_ok += res->n_ok;
	dp->ops_failed += res->n_failed;
	return a.first_err ? a.first_err : err;
}

static int ipvs_stats(struct dp *dp, struct dp_stats *out)
{
	static const char *names[] = {"ipvs_ops_ok", "ipvs_ops_failed",
				      "ipvs_reads", "ipvs_owned_services"};
	uint64_t vals[] = {dp->ops_ok, dp->ops_failed, dp->reads, dp->owned.n};
	size_t i, n = sizeof(names) / sizeof(names[0]);

	memset(out, 0, sizeof(*out));
	out->counters = calloc(n, sizeof(*out->counters));
	if (!out->counters)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		snprintf(out->counters[i].name, sizeof(out->counters[i].name),
			 "%s", names[i]);
		out->counters[i].value = vals[i];
	}
	out->n = n;
	return 0;
}

/* detach=true removes the services Ballast owns; false leaves them. */
static void ipvs_close(struct dp *dp, bool detach)
{
	size_t i;

	if (!dp)
		return;
	if (detach && dp->nl) {
		for (i = 0; i < dp->owned.n; i++) {
			struct rc_service svc;
			struct nl_msg *msg;
			int err;

			memset(&svc, 0, sizeof(svc));
			svc.key = dp->owned.keys[i];
			msg = ipvs_nl_msg(dp->nl, IPVS_CMD_DEL_SERVICE, 0);
			if (!msg || ipvs_put_service(msg, &svc, false)) {
				nlmsg_free(msg);
				continue;
			}
			err = ipvs_nl_exec(dp->nl, msg, NULL, 0);
			if (err && err != -ESRCH)
				lb_warn("ipvs: removing owned service: %s",
					strerror(-err));
		}
		dp->owned.n = 0;
		if (ipvs_owned_save(&dp->owned, dp->owned_path))
			lb_warn("ipvs: cannot rewrite ownership file %s",
				dp->owned_path);
	}
	ipvs_nl_close(dp->nl);
	ipvs_owned_free(&dp->owned);
	ipvs_owned_free(&dp->named);
	free(dp);
}

const struct dp_ops dp_ipvs_ops = {
    .name = "ipvs",
    .driver = CFG_DRIVER_IPVS,
    .open = ipvs_open,
    .lock_id = ipvs_lock_id,
    .read = ipvs_read,
    .read_services = ipvs_read_services,
    .apply = ipvs_apply,
    .stats = ipvs_stats,
    .close = ipvs_close,
};

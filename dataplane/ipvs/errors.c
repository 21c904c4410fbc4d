// SPDX-License-Identifier: GPL-2.0-only
/* Turn a failed IPVS operation into a message that names object and fix. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dataplane/ipvs/ipvs_internal.h"
#include "lib/nl.h"

static const char *verb(enum rc_op_kind k)
{
	switch (k) {
	case RC_OP_SVC_ADD:
	case RC_OP_REAL_ADD:
		return "create";
	case RC_OP_SVC_EDIT:
	case RC_OP_REAL_EDIT:
		return "edit";
	default:
		return "delete";
	}
}

static const char *hint(const struct rc_op *op, int err)
{
	bool svc_op = op->kind == RC_OP_SVC_ADD || op->kind == RC_OP_SVC_EDIT ||
		      op->kind == RC_OP_SVC_DEL;

	switch (-err) {
	case EPERM:
	case EACCES:
		return "programming IPVS needs CAP_NET_ADMIN (run as root or "
		       "grant the capability)";
	case ENOENT:
		if (op->kind == RC_OP_SVC_ADD || op->kind == RC_OP_SVC_EDIT)
			return "the scheduler is not available: load it with "
			       "`modprobe ip_vs_<scheduler>`";
		return "the destination does not exist (removed out of band); "
		       "the next pass reads the kernel again";
	case ESRCH:
		return "the service does not exist (removed out of band, or "
		       "its creation failed)";
	case EEXIST:
		return "it already exists (created out of band); the next pass "
		       "reads the kernel again";
	case EINVAL:
		if (svc_op)
			return "the kernel rejected the service attributes "
			       "(family, persistence netmask, flags)";
		return "the kernel rejected the destination: it must be a "
		       "unicast address routable from this host, and tunnel "
		       "type/port must be supported";
	case EAFNOSUPPORT:
		return "this kernel's IPVS lacks support for the address "
		       "family or for mixing families";
	case EOPNOTSUPP:
		return "this kernel's IPVS lacks the feature (tunnel type or "
		       "mixed families)";
	default:
		return NULL;
	}
}

void ipvs_explain(char *buf, size_t len, const struct rc_op *op, int err,
		  const char *ext)
{
	char key[96], addr[LB_ADDR_STRLEN], obj[256];
	const char *h = hint(op, err);
	int n;

	rc_svc_key_fmt(&op->svc->key, key, sizeof(key));
	if (op->real) {
		lb_addr_port_fmt(&op->real->addr, op->real->port, addr,
				 sizeof(addr));
		snprintf(obj, sizeof(obj), "ipvs: %s real %s of service %s",
			 verb(op->kind), addr, key);
	} else {
		snprintf(obj, sizeof(obj), "ipvs: %s service %s (scheduler %s)",
			 verb(op->kind), key,
			 op->svc->sched[0] ? op->svc->sched : "-");
	}
	n = lb_nl_strerror(buf, len, obj, err, ext);
	if (n < 0 || (size_t)n >= len)
		return;
	if (h) {
		if (-err == ENOENT &&
		    (op->kind == RC_OP_SVC_ADD || op->kind == RC_OP_SVC_EDIT))
			snprintf(buf + n, len - (size_t)n,
				 "; scheduler \"%s\" is not available: load it "
				 "with `modprobe ip_vs_%s`",
				 op->svc->sched, op->svc->sched);
		else
			snprintf(buf + n, len - (size_t)n, "; %s", h);
	}
}

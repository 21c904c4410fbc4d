// SPDX-License-Identifier: GPL-2.0-only
/* Names of enumerations, driver capabilities, and the config path. */
#include "config/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BIT(x) (1u << (x))
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const sched_names[CFG_SCHED__COUNT] = {
    [CFG_SCHED_MAGLEV] = "maglev", [CFG_SCHED_RR] = "rr",
    [CFG_SCHED_WRR] = "wrr",	   [CFG_SCHED_LC] = "lc",
    [CFG_SCHED_WLC] = "wlc",	   [CFG_SCHED_LBLC] = "lblc",
    [CFG_SCHED_LBLCR] = "lblcr",   [CFG_SCHED_DH] = "dh",
    [CFG_SCHED_SH] = "sh",	   [CFG_SCHED_SED] = "sed",
    [CFG_SCHED_NQ] = "nq",	   [CFG_SCHED_FO] = "fo",
    [CFG_SCHED_OVF] = "ovf",	   [CFG_SCHED_MH] = "mh",
    [CFG_SCHED_TWOS] = "twos",
};

#define IPVS_SCHEDS                                                            \
	(BIT(CFG_SCHED_RR) | BIT(CFG_SCHED_WRR) | BIT(CFG_SCHED_LC) |          \
	 BIT(CFG_SCHED_WLC) | BIT(CFG_SCHED_LBLC) | BIT(CFG_SCHED_LBLCR) |     \
	 BIT(CFG_SCHED_DH) | BIT(CFG_SCHED_SH) | BIT(CFG_SCHED_SED) |          \
	 BIT(CFG_SCHED_NQ) | BIT(CFG_SCHED_FO) | BIT(CFG_SCHED_OVF) |          \
	 BIT(CFG_SCHED_MH) | BIT(CFG_SCHED_TWOS))

/*
 * Limits are what each driver can hold at all; the XDP maps are sized from
 * dataplane.xdp.max_services / max_reals within them.
 */
static const struct cfg_driver_caps caps[CFG_DRIVER__COUNT] = {
    [CFG_DRIVER_FAKE] =
	{
	    .name = "fake",
	    .schedulers = BIT(CFG_SCHED__COUNT) - 1,
	    .forwarding = BIT(CFG_FWD_DSR) | BIT(CFG_FWD_NAT) |
			  BIT(CFG_FWD_DR) | BIT(CFG_FWD_TUNNEL),
	    .fwmark = true,
	    .any_port = true,
	    .sctp = true,
	    .mixed_family = true,
	    .max_services = 65536,
	    .max_reals_per_service = 65536,
	    .max_reals = 4194304,
	},
    [CFG_DRIVER_XDP] =
	{
	    .name = "xdp",
	    .schedulers = BIT(CFG_SCHED_MAGLEV),
	    .forwarding = BIT(CFG_FWD_DSR) | BIT(CFG_FWD_NAT),
	    .fwmark = false,
	    .any_port = true,
	    .sctp = true,
	    .mixed_family = true,
	    .max_services = 8192,
	    .max_reals_per_service = 4096,
	    .max_reals = 1048576,
	},
    [CFG_DRIVER_IPVS] =
	{
	    .name = "ipvs",
	    .schedulers = IPVS_SCHEDS,
	    .forwarding =
		BIT(CFG_FWD_NAT) | BIT(CFG_FWD_DR) | BIT(CFG_FWD_TUNNEL),
	    .fwmark = true,
	    .any_port = false,
	    .sctp = true,
	    .mixed_family = true,
	    .max_services = 65536,
	    .max_reals_per_service = 65536,
	    .max_reals = 1048576,
	},
};

const struct cfg_driver_caps *cfg_driver_caps(enum cfg_driver d)
{
	if ((unsigned)d >= CFG_DRIVER__COUNT)
		return NULL;
	return &caps[d];
}

const char *cfg_driver_name(enum cfg_driver d)
{
	return (unsigned)d < CFG_DRIVER__COUNT ? caps[d].name : "?";
}

/* The protocols a service may name, by the IP protocol number it carries. */
static const struct {
	const char *name;
	enum cfg_proto proto;
} protos[] = {
    {"tcp", CFG_PROTO_TCP},
    {"udp", CFG_PROTO_UDP},
    {"sctp", CFG_PROTO_SCTP},
};

const char *cfg_ipproto_name(unsigned proto)
{
	for (size_t i = 0; i < NELEM(protos); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return NULL;
}

const char *cfg_proto_name(enum cfg_proto p)
{
	const char *name = cfg_ipproto_name(p);

	return name ? name : "?";
}

int cfg_proto_parse(const char *s, enum cfg_proto *out)
{
	for (size_t i = 0; i < NELEM(protos); i++) {
		if (!strcmp(s, protos[i].name)) {
			*out = protos[i].proto;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cfg_sched_name(enum cfg_sched s)
{
	return (unsigned)s < CFG_SCHED__COUNT ? sched_names[s] : "?";
}

int cfg_sched_parse(const char *s, enum cfg_sched *out)
{
	for (size_t i = 0; i < NELEM(sched_names); i++) {
		if (!strcmp(s, sched_names[i])) {
			*out = (enum cfg_sched)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *cfg_fwd_name(enum cfg_fwd f)
{
	static const char *const names[CFG_FWD__COUNT] = {
	    [CFG_FWD_DEFAULT] = "default", [CFG_FWD_DSR] = "dsr",
	    [CFG_FWD_NAT] = "nat",	   [CFG_FWD_DR] = "dr",
	    [CFG_FWD_TUNNEL] = "tunnel",
	};

	return (unsigned)f < CFG_FWD__COUNT ? names[f] : "?";
}

const char *cfg_hc_type_name(enum cfg_hc_type t)
{
	static const char *const names[CFG_HC__COUNT] = {
	    [CFG_HC_TCP] = "tcp",     [CFG_HC_HTTP] = "http",
	    [CFG_HC_HTTPS] = "https", [CFG_HC_UDP] = "udp",
	    [CFG_HC_ICMP] = "icmp",   [CFG_HC_EXEC] = "exec",
	    [CFG_HC_NONE] = "none",
	};

	return (unsigned)t < CFG_HC__COUNT ? names[t] : "?";
}

const char *cfg_ha_mode_name(enum cfg_ha_mode m)
{
	switch (m) {
	case CFG_HA_NONE:
		return "none";
	case CFG_HA_VRRP:
		return "vrrp";
	case CFG_HA_BGP:
		return "bgp";
	}
	return "?";
}

const char *cfg_tunnel_type_name(enum cfg_tunnel_type t)
{
	switch (t) {
	case CFG_TUN_IPIP:
		return "ipip";
	case CFG_TUN_GUE:
		return "gue";
	case CFG_TUN_GRE:
		return "gre";
	}
	return "?";
}

const char *cfg_default_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path && *explicit_path)
		return explicit_path;
	env = getenv(CFG_ENV_PATH);
	if (env && *env)
		return env;
	return CFG_DEFAULT_PATH;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/* The check functions behind dr_checks[] (doctor.h), one per table row. */
#ifndef BALLAST_CMD_DOCTOR_CHECKS_H
#define BALLAST_CMD_DOCTOR_CHECKS_H

#include "cmd/doctor/doctor.h"

/* False after setting r to skip when the config does not load. */
bool dr_need_cfg(struct dr_ctx *ctx, struct dr_result *r);
/* False after setting r to skip when the config's driver is not d. */
bool dr_need_driver(struct dr_ctx *ctx, struct dr_result *r, enum cfg_driver d);

/* dr_host.c */
void dr_check_config(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_daemon(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_daemon_config(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_daemon_plan(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_caps(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_memlock(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_ip_forward(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_rp_filter(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_arp(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_health(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_fd_limit(struct dr_ctx *ctx, struct dr_result *r);

/* dr_xdp.c */
void dr_check_xdp_kernel(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_xdp_features(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_xdp_jit(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_xdp_btf(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_xdp_bpffs(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_xdp_iface(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_xdp_driver(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_xdp_mtu(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_xdp_pins(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_xdp_attached(struct dr_ctx *ctx, struct dr_result *r);

/* dr_ha.c */
/* False after setting r to skip when the config has no ha.mode vrrp. */
bool dr_need_ha(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_ha_provider(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_ha_arp(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_ha_vrid(struct dr_ctx *ctx, struct dr_result *r);
/* dr_ha_vips.c */
void dr_check_ha_vips(struct dr_ctx *ctx, struct dr_result *r);
/* dr_ha_sync.c */
void dr_check_ha_keepalived(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_ha_frr(struct dr_ctx *ctx, struct dr_result *r);

/* dr_ipvs.c */
void dr_check_ipvs_module(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_ipvs_sched(struct dr_ctx *ctx, struct dr_result *r);
void dr_check_ipvs_sysctls(struct dr_ctx *ctx, struct dr_result *r);

#endif

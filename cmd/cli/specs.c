// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/cli/specs.h"

#include <stddef.h>

#include "cmd/client/options.h"
#include "cmd/doctor/doctor.h"
#include "cmd/options.h"
#include "config/config.h"

#define OPT(field) offsetof(struct cmd_options, field)
#define PROBE(field) offsetof(struct cmd_probe_options, field)
#define DOCTOR(field) offsetof(struct cmd_doctor_options, field)
#define DECAP(field) offsetof(struct cmd_decap_options, field)
#define CL(field) offsetof(struct cl_options, field)
#define VRRP(field) offsetof(struct cmd_vrrp_options, field)

#define ROW_CONFIG(off)                                                        \
	{                                                                      \
		.name = "config", .short_name = 'c', .kind = CLI_STRING,       \
		.offset = (off), .arg = "FILE",                                \
		.help = "configuration (default: $" CFG_ENV_PATH               \
			", then\n" CFG_DEFAULT_PATH ")"                        \
	}
#define ROW_END                                                                \
	{                                                                      \
		0                                                              \
	}

/* ---- commands that read a configuration and a dataplane ------------------ */

static const struct cli_option validate_opts[] = {
    ROW_CONFIG(OPT(config)),
    {.name = "json",
     .short_name = 'j',
     .kind = CLI_FLAG,
     .offset = OPT(json),
     .help = "print the diagnostics as a JSON array of\n"
	     "{file, line, column, severity, path, message} on stdout"},
    ROW_END,
};

const struct cli_command cli_validate = {
    .name = "validate",
    .summary = "check a configuration file (for CI)",
    .synopsis = "ballast validate [-c FILE] [--json]",
    .about = "Check a configuration file without touching any dataplane.\n"
	     "Every problem is reported, as FILE:LINE:COL: error: MESSAGE on "
	     "stderr.\n",
    .options = validate_opts,
    .epilogue = "Exit status: 0 valid (warnings allowed), 1 YAML syntax or "
		"schema error\n"
		"(unknown key, wrong type, missing field) or unreadable file,\n"
		"2 semantic error (duplicate service, undefined pool, ...).\n",
};

#define ROW_DATAPLANE(what)                                                    \
	{                                                                      \
		.name = "dataplane", .kind = CLI_STRING,                       \
		.offset = OPT(dataplane), .arg = "NAME",                       \
		.help = "driver to " what " instead of the configured one"     \
	}

static const struct cli_option plan_opts[] = {
    ROW_CONFIG(OPT(config)),
    ROW_DATAPLANE("read"),
    {.name = "state",
     .kind = CLI_STRING,
     .offset = OPT(state),
     .arg = "FILE",
     .help = "fake dataplane: state file to read (without\n"
	     "one it starts empty)"},
    {.name = "prune",
     .kind = CLI_FLAG,
     .offset = OPT(prune),
     .help = "also plan removal of services Ballast did not create"},
    {.name = "json",
     .short_name = 'j',
     .kind = CLI_FLAG,
     .offset = OPT(json),
     .help = "print the plan as JSON on stdout; an error as\n"
	     "{\"error\": {\"kind\", \"message\", ...}}"},
    ROW_END,
};

const struct cli_command cli_plan = {
    .name = "plan",
    .summary = "show what apply would change in the dataplane",
    .synopsis = "ballast plan [-c FILE] [--dataplane NAME] [--json] [--prune]",
    .about =
	"Read the live dataplane and show what 'ballast apply' would change:\n"
	"  + create   ~ change (old -> new)   - delete   ! foreign (left "
	"alone)\n"
	"one line per service or real. Nothing is modified.\n",
    .options = plan_opts,
    .epilogue = "Exit status: 0 in sync, 2 changes pending, 1 error.\n",
};

static const struct cli_option apply_opts[] = {
    ROW_CONFIG(OPT(config)),
    ROW_DATAPLANE("program"),
    {.name = "state",
     .kind = CLI_STRING,
     .offset = OPT(state),
     .arg = "FILE",
     .help = "fake dataplane: persist its state in FILE (needed\n"
	     "unless the config sets dataplane.fake.state_file:\n"
	     "without it the changes would be lost on exit)"},
    {.name = "fault",
     .kind = CLI_STRING,
     .offset = OPT(faults),
     .arg = "N:ERRNO",
     .help = "fake dataplane: fail the Nth operation with ERRNO\n"
	     "(e.g. 3:EBUSY; comma-separated for several)"},
    {.name = "dry-run",
     .short_name = 'n',
     .kind = CLI_FLAG,
     .offset = OPT(dry_run),
     .help = "print the plan, change nothing"},
    {.name = "prune",
     .kind = CLI_FLAG,
     .offset = OPT(prune),
     .help = "also remove services Ballast did not create"},
    {.name = "wait",
     .kind = CLI_DURATION,
     .offset = OPT(wait_ms),
     .flags = CLI_F_OPT_VALUE,
     .dflt = CMD_WAIT_DEFAULT_MS,
     .help = "when another command holds the dataplane's\n"
	     "lock, wait for it up to DURATION (e.g. 90s;\n"
	     "default 30s) instead of failing at once"},
    {.name = "detach",
     .kind = CLI_FLAG,
     .offset = OPT(detach),
     .help = "remove everything Ballast installed in the\n"
	     "dataplane instead (xdp: detach the programs and\n"
	     "remove the pinned maps, dropping tracked flows)"},
    {.name = "daemon",
     .kind = CLI_FLAG,
     .offset = OPT(daemon),
     .help = "keep running: reconcile on every tick, health\n"
	     "event and config change, and serve the control API"},
    {.name = "socket",
     .kind = CLI_STRING,
     .offset = OPT(socket),
     .arg = "PATH",
     .help = "--daemon: the control API's unix socket instead\n"
	     "of the config's daemon.api_socket"},
    {.name = "state-dir",
     .kind = CLI_STRING,
     .offset = OPT(state_dir),
     .arg = "DIR",
     .help = "--daemon: where runtime overrides are kept\n"
	     "(default /var/lib/ballast)"},
    {.name = "cleanup-on-exit",
     .kind = CLI_FLAG,
     .offset = OPT(cleanup_on_exit),
     .help = "--daemon: remove what Ballast programmed when\n"
	     "stopped (default: leave the dataplane as it is)"},
    {.name = "node",
     .kind = CLI_STRING,
     .offset = OPT(node),
     .arg = "NAME",
     .help = "--daemon: this node's name in vrrp.nodes (its\n"
	     "peers are the others) or bgp.nodes (default:\n"
	     "the host name)"},
    ROW_END,
};

const struct cli_command cli_apply = {
    .name = "apply",
    .summary = "converge the dataplane to the configuration",
    .synopsis =
	"ballast apply [-c FILE] [--dataplane NAME] [--dry-run] [--prune]\n"
	"              [--wait[=DURATION]]\n"
	"ballast apply [-c FILE] --detach\n"
	"ballast apply [-c FILE] --daemon [--socket PATH] [--state-dir DIR]\n"
	"              [--cleanup-on-exit] [--node NAME]",
    .about =
	"Converge the live dataplane to the configuration once, print every\n"
	"change made, then read the dataplane back to confirm it converged.\n"
	"Services Ballast did not create are left alone unless --prune.\n"
	"\n"
	"With --daemon, keep it converged: run health checks and feed their\n"
	"results into the weights, repair drift every daemon.tick, reload the\n"
	"file on SIGHUP or when it changes (a bad file is reported and the last\n"
	"good one keeps running), and serve the control API and /metrics.\n"
	"SIGTERM or SIGINT stop it and leave the dataplane as it is. See\n"
	"Docs/DAEMON.md.\n",
    .options = apply_opts,
    .epilogue =
	"One writer at a time: apply holds the dataplane's lock (a file in\n"
	"/run/ballast, or $BALLAST_RUN_DIR) from its first read to its "
	"read-back.\n"
	"\n"
	"Exit status: 0 converged (daemon: stopped cleanly), 1 some operation\n"
	"failed or an error occurred.\n",
};

static const struct cli_option probe_opts[] = {
    ROW_CONFIG(PROBE(config)),
    {.name = "json",
     .short_name = 'j',
     .kind = CLI_FLAG,
     .offset = PROBE(json),
     .help = "one JSON object per line"},
    {.name = "for",
     .short_name = 'f',
     .kind = CLI_DURATION,
     .offset = PROBE(for_ms),
     .flags = CLI_F_NONZERO,
     .help = "stop after DURATION (500ms, 30s, 2m);\n"
	     "default: until interrupted"},
    ROW_END,
};

const struct cli_command cli_probe = {
    .name = "probe",
    .summary = "run the health checks and show each real's state",
    .synopsis = "ballast probe [-c FILE] [--json] [--for DURATION]",
    .about =
	"Run the configuration's health checks against every real, print\n"
	"each state change as it happens and a summary at the end. Nothing\n"
	"in the dataplane is changed.\n",
    .options = probe_opts,
};

static const struct cli_option doctor_opts[] = {
    ROW_CONFIG(DOCTOR(config)),
    {.name = "socket",
     .short_name = 's',
     .kind = CLI_STRING,
     .offset = DOCTOR(socket),
     .arg = "PATH",
     .help = "the daemon's socket (default: daemon.api_socket)"},
    {.name = "json",
     .short_name = 'j',
     .kind = CLI_FLAG,
     .offset = DOCTOR(json),
     .help = "the results as one JSON array"},
    {.name = "node",
     .kind = CLI_STRING,
     .offset = DOCTOR(node),
     .arg = "NAME",
     .help = "this host's vrrp.nodes name (default: the host name),\n"
	     "as `ballast vrrp --node` takes it"},
    {.name = "keepalived-conf",
     .kind = CLI_STRING,
     .offset = DOCTOR(keepalived_conf),
     .arg = "PATH",
     .help = "the file with keepalived's ballast_* instances\n"
	     "(default: /etc/keepalived/keepalived.conf)"},
    {.name = "frr-conf",
     .kind = CLI_STRING,
     .offset = DOCTOR(frr_conf),
     .arg = "PATH",
     .help = "FRR's config with the managed vrrp block\n"
	     "(default: /etc/frr/frr.conf)"},
    ROW_END,
};

const struct cli_command cli_doctor = {
    .name = "doctor",
    .summary = "check this host and the config; the first thing to run",
    .synopsis = "ballast doctor [-c FILE] [--socket PATH] [--json] [--node NAME]\n"
		"       [--keepalived-conf PATH] [--frr-conf PATH] [CHECK...]",
    .about =
	"Run every check against this host and the configuration and print\n"
	"one line per check: ok, warn, fail or skip, what was found and, for\n"
	"warn and fail, the remedy. CHECK names a check or a group (xdp,\n"
	"ipvs.module) to run only those. Nothing is changed: no mount, no\n"
	"module load, no attach. See Docs/DOCTOR.md.\n",
    .options = doctor_opts,
    .epilogue_fn = dr_print_checks,
    .epilogue = "Exit status: 0 nothing failed, 1 a check failed.\n",
    .max_args = 64,
};

#define FRR_EPILOGUE                                                           \
	"Exit status: 0 rendered, or frr.conf unchanged; 2 frr.conf changed "   \
	"(or\n"                                                                \
	"would change, with --dry-run): reload FRR; 1 error (bad config, no\n" \
	"such node, unbalanced markers, a failed write: the file is then "     \
	"intact).\n"

/* ballast vrrp and ballast bgp: a node of their section, patch-frr's mode. */
static const struct cli_option frr_opts[] = {
    ROW_CONFIG(VRRP(config)),
    {.name = "node",
     .short_name = 'n',
     .kind = CLI_STRING,
     .offset = VRRP(node),
     .arg = "NAME",
     .help = "the node of the vrrp: (bgp:) section to write\n"
	     "for (default: the one named like this host)"},
    {.name = "dry-run",
     .kind = CLI_FLAG,
     .offset = VRRP(dry_run),
     .help = "patch-frr: say what would change, write nothing"},
    {.name = "diff",
     .kind = CLI_FLAG,
     .offset = VRRP(diff),
     .help = "patch-frr: print the managed block's changed\n"
	     "lines ('-' before, '+' after)"},
    ROW_END,
};

const struct cli_command cli_vrrp = {
    .name = "vrrp",
    .summary = "keepalived and FRR VRRP configuration from the YAML",
    .synopsis = "ballast vrrp render keepalived [-c FILE] [--node NAME]\n"
		"ballast vrrp patch-frr FRR_CONF [-c FILE] [--node NAME] "
		"[--dry-run] [--diff]",
    .about =
	"Write the VRRP daemon's configuration from the YAML's vrrp: section,\n"
	"so the VIPs, VRIDs, priorities and adverts are declared once.\n"
	"The node is --node NAME, else the vrrp node named like this host\n"
	"(its full or short host name); its priority is used, and the other\n"
	"nodes are its unicast peers.\n"
	"\n"
	"render keepalived  prints keepalived vrrp_instance blocks on stdout:\n"
	"                   one per group and address family (ballast_GROUP,\n"
	"                   ballast_GROUP_v6), state BACKUP everywhere so\n"
	"                   priority elects the master. Include the output\n"
	"                   from keepalived.conf.\n"
	"patch-frr FRR_CONF rewrites, in FRR_CONF, only the block between the\n"
	"                   lines '! ballast: begin managed vrrp block ...' and\n"
	"                   '! ballast: end managed vrrp block' with vrrpd's\n"
	"                   stanzas (appended when both are absent), never a\n"
	"                   byte outside it. The file is replaced atomically\n"
	"                   with its mode and owner, the old one kept as\n"
	"                   FRR_CONF.bak; nothing is written when the block\n"
	"                   is already up to date.\n"
	"See Docs/HA.md.\n",
    .options = frr_opts,
    .epilogue = FRR_EPILOGUE,
    .min_args = 1,
    .max_args = 2,
};

const struct cli_command cli_bgp = {
    .name = "bgp",
    .summary = "FRR bgpd configuration for a scale-out node from the YAML",
    .synopsis = "ballast bgp render frr [-c FILE] [--node NAME]\n"
		"ballast bgp patch-frr FRR_CONF [-c FILE] [--node NAME] "
		"[--dry-run] [--diff]",
    .about =
	"Write bgpd's configuration for one node of the scale-out group\n"
	"(ha.mode: bgp) from the YAML's bgp: section and service addresses.\n"
	"The node is --node NAME, else the bgp node named like this host (its\n"
	"full or short host name). The block holds the prefix lists of the\n"
	"VIPs (BALLAST-VIP4, BALLAST-VIP6), the route-maps BALLAST-VIP (the\n"
	"VIPs, MED 0) and BALLAST-DENY, a bfd profile BALLAST when bgp.bfd is\n"
	"on, and 'router bgp ASN' with the node's router id, its neighbours\n"
	"with their timers, and per family of VIPs 'redistribute kernel\n"
	"route-map BALLAST-VIP', announcing out, accepting nothing in. Ballast\n"
	"announces a VIP by adding a kernel route for it; bgpd does the rest.\n"
	"\n"
	"render frr          prints the block on stdout.\n"
	"patch-frr FRR_CONF  rewrites, in FRR_CONF, only the block between the\n"
	"                    lines '! ballast: begin managed bgp block ...' and\n"
	"                    '! ballast: end managed bgp block' (appended when\n"
	"                    both are absent), never a byte outside it: a vrrp\n"
	"                    block beside it stays as it is. The file is\n"
	"                    replaced atomically with its mode and owner, the\n"
	"                    old one kept as FRR_CONF.bak; nothing is written\n"
	"                    when the block is already up to date.\n"
	"See Docs/SCALE.md.\n",
    .options = frr_opts,
    .epilogue = FRR_EPILOGUE,
    .min_args = 1,
    .max_args = 2,
};

static const char *const xdp_modes[] = {"auto", "native", "generic", NULL};

static const struct cli_option decap_opts[] = {
    {.name = "mode",
     .kind = CLI_ENUM,
     .offset = DECAP(mode),
     .arg = "MODE",
     .choices = xdp_modes,
     .help = "auto (default), native or generic XDP"},
    {.name = "pin-path",
     .kind = CLI_STRING,
     .offset = DECAP(pin_path),
     .arg = "DIR",
     .help = "bpffs directory (default /sys/fs/bpf/ballast)"},
    ROW_END,
};

const struct cli_command cli_decap = {
    .name = "decap",
    .summary = "DSR backend: strip the forwarder's tunnel header",
    .synopsis = "ballast decap attach IFACE ADDRESS... [--mode MODE] "
		"[--pin-path DIR]\n"
		"ballast decap detach IFACE [--pin-path DIR]\n"
		"ballast decap status IFACE [--pin-path DIR]",
    .about =
	"On a DSR backend: strip the IPIP / IP6IP6 / IPv4-in-IPv6 header the\n"
	"forwarder adds to packets for ADDRESS (this host's tunnel addresses,\n"
	"the reals' addresses in the balancer's config) arriving on IFACE, so\n"
	"the stack sees the client's packet to the VIP (which must be on a "
	"local\n"
	"interface, e.g. lo). No ipip kernel module is needed.\n"
	"\n"
	"attach  loads the program and attaches it through a bpf_link pinned "
	"in\n"
	"        DIR/decap/IFACE/ (it stays attached after the command "
	"exits).\n"
	"        Run again to change the addresses or to install a new build:\n"
	"        the link is updated in place, never detached in between.\n"
	"detach  detaches it and removes its pins.\n"
	"status  shows whether it is attached, its addresses and its counters\n"
	"        (ok: decapsulated, pass: not for us, malformed: dropped).\n",
    .options = decap_opts,
    .epilogue = "Exit status: 0 done, 1 error (the reason is printed), 3 "
		"status: not attached.\n",
    /* The command checks its verb, interface and addresses (how many). */
    .max_args = 1u << 16,
};

static const struct cli_option no_opts[] = {ROW_END};

const struct cli_command cli_version = {
    .name = "version",
    .summary = "print the version",
    .synopsis = "ballast version",
    .about = "Print the version and exit.\n",
    .options = no_opts,
};

const struct cli_command cli_help = {
    .name = "help",
    .summary = "help on a command",
    .synopsis = "ballast help [COMMAND]",
    .about = "List the commands, or show COMMAND's help (as COMMAND --help).\n",
    .options = no_opts,
    .max_args = 1,
};

/* ---- clients of the daemon's control API ----------------------------------
 */

#define CL_COMMON                                                              \
	{.name = "config",                                                     \
	 .short_name = 'c',                                                    \
	 .kind = CLI_STRING,                                                   \
	 .offset = CL(config),                                                 \
	 .arg = "FILE",                                                        \
	 .help = "find the daemon's socket in FILE's\n"                        \
		 "daemon.api_socket"},                                         \
	    {.name = "socket",                                                 \
	     .kind = CLI_STRING,                                               \
	     .offset = CL(socket),                                             \
	     .arg = "PATH",                                                    \
	     .help = "the daemon's socket (default: from -c, else\n"           \
		     "$" CL_ENV_SOCKET ", else " CL_DEFAULT_SOCKET ")"},       \
	{                                                                      \
		.name = "json", .short_name = 'j', .kind = CLI_FLAG,           \
		.offset = CL(json),                                            \
		.help = "print the API's answer (its `data`) as JSON"          \
	}

#define CL_EPILOGUE                                                            \
	"Exit status: 0 done, 1 the daemon refused (its error is printed as\n" \
	"CODE: message) or a usage error, 3 the daemon cannot be reached.\n"

static const struct cli_option cl_opts[] = {CL_COMMON, ROW_END};

const struct cli_command cli_status = {
    .name = "status",
    .summary = "the running daemon: config, last pass, counts, HA",
    .synopsis = "ballast status [--socket PATH] [--json]",
    .about = "Ask the running daemon for its state: the config generation it\n"
	     "runs, its last reconcile pass, counts of services and reals by\n"
	     "health, overrides, refusals and the HA state.\n",
    .options = cl_opts,
    .epilogue = CL_EPILOGUE,
};

const struct cli_command cli_show = {
    .name = "show",
    .summary = "services and their reals as the daemon sees them",
    .synopsis = "ballast show services [NAME] [--socket PATH] [--json]",
    .about =
	"List the services with their reals: configured, effective and\n"
	"programmed weight, health, admin state and counters. With NAME,\n"
	"one service with each real's recent health history and overrides.\n",
    .options = cl_opts,
    .epilogue = CL_EPILOGUE,
    .min_args = 1,
    .max_args = 2,
};

static const struct cli_option watch_opts[] = {
    CL_COMMON,
    {.name = "count",
     .kind = CLI_UINT,
     .offset = CL(count),
     .flags = CLI_F_NONZERO,
     .help = "stop after N events (default: until interrupted)"},
    ROW_END,
};

const struct cli_command cli_watch = {
    .name = "watch",
    .summary = "follow the daemon's events as they happen",
    .synopsis = "ballast watch [--json] [--count N] [--socket PATH]",
    .about =
	"Print the daemon's events (audit, health, reconcile, drift,\n"
	"refusal, reload, ha, override) one per line as they happen.\n"
	"When the stream breaks, reconnect and resume after the last event\n"
	"seen (Last-Event-ID); give up after 5 failed attempts in a row.\n",
    .options = watch_opts,
    .epilogue = CL_EPILOGUE,
};

static const struct cli_option drain_opts[] = {
    CL_COMMON,
    {.name = "timeout",
     .kind = CLI_DURATION_TEXT,
     .offset = CL(timeout),
     .flags = CLI_F_NONZERO,
     .help = "after DURATION, take the real out of rotation\n"
	     "(kept as disabled); default: drain until undrain"},
    ROW_END,
};

#define REAL_NOTE                                                              \
	"SERVICE is a service's name in the config; REAL is ADDR:PORT\n"       \
	"([ADDR]:PORT for IPv6). Overrides are transient: they end when "      \
	"they\n"                                                               \
	"expire or are removed, and git stays the truth.\n"

const struct cli_command cli_drain = {
    .name = "drain",
    .summary = "stop new flows to a real (existing ones continue)",
    .synopsis = "ballast drain SERVICE REAL [--timeout DURATION]",
    .about = "Give REAL weight 0 in SERVICE: no new flows, existing ones\n"
	     "continue.\n\n" REAL_NOTE,
    .options = drain_opts,
    .epilogue = CL_EPILOGUE,
    .min_args = 2,
    .max_args = 2,
};

const struct cli_command cli_undrain = {
    .name = "undrain",
    .summary = "end a drain",
    .synopsis = "ballast undrain SERVICE REAL",
    .about = "Remove the drain override of REAL in SERVICE.\n\n" REAL_NOTE,
    .options = cl_opts,
    .epilogue = CL_EPILOGUE,
    .min_args = 2,
    .max_args = 2,
};

#define ROW_FOR(what)                                                          \
	{                                                                      \
		.name = "for", .kind = CLI_DURATION_TEXT, .offset = CL(for_),  \
		.flags = CLI_F_NONZERO, .help = what                           \
	}

static const struct cli_option disable_opts[] = {
    CL_COMMON,
    ROW_FOR("end the override after DURATION (default: until\n"
	    "enable)"),
    ROW_END,
};

const struct cli_command cli_disable = {
    .name = "disable",
    .summary = "take a real out of rotation",
    .synopsis = "ballast disable SERVICE REAL [--for DURATION]",
    .about = "Take REAL out of SERVICE's rotation until enabled again (or for\n"
	     "DURATION).\n\n" REAL_NOTE,
    .options = disable_opts,
    .epilogue = CL_EPILOGUE,
    .min_args = 2,
    .max_args = 2,
};

const struct cli_command cli_enable = {
    .name = "enable",
    .summary = "end a disable",
    .synopsis = "ballast enable SERVICE REAL",
    .about = "Remove the disable override of REAL in SERVICE.\n\n" REAL_NOTE,
    .options = cl_opts,
    .epilogue = CL_EPILOGUE,
    .min_args = 2,
    .max_args = 2,
};

static const struct cli_option weight_opts[] = {
    CL_COMMON,
    ROW_FOR("end the override after DURATION (default: until\n"
	    "--clear)"),
    {.name = "clear",
     .kind = CLI_FLAG,
     .offset = CL(clear),
     .help = "remove the weight override instead"},
    ROW_END,
};

const struct cli_command cli_weight = {
    .name = "weight",
    .summary = "override a real's weight",
    .synopsis = "ballast weight SERVICE REAL N [--for DURATION]\n"
		"ballast weight SERVICE REAL --clear",
    .about = "Set REAL's weight in SERVICE to N (replacing an earlier weight\n"
	     "override), or remove the override.\n\n" REAL_NOTE,
    .options = weight_opts,
    .epilogue = CL_EPILOGUE,
    .min_args = 2,
    .max_args = 3,
};

static const struct cli_option health_opts[] = {
    CL_COMMON,
    ROW_FOR("how long the forced state lasts (required)"),
    {.name = "clear",
     .kind = CLI_FLAG,
     .offset = CL(clear),
     .help = "remove the forced state instead"},
    ROW_END,
};

const struct cli_command cli_health = {
    .name = "health",
    .summary = "force a real's health up or down for a while",
    .synopsis = "ballast health SERVICE REAL up|down --for DURATION\n"
		"ballast health SERVICE REAL --clear",
    .about =
	"Force REAL's health in SERVICE up or down for DURATION, whatever\n"
	"its probes say, or remove that override.\n\n" REAL_NOTE,
    .options = health_opts,
    .epilogue = CL_EPILOGUE,
    .min_args = 2,
    .max_args = 3,
};

const struct cli_command cli_flow = {
    .name = "flow",
    .summary = "which real a flow goes to, and why",
    .synopsis = "ballast flow SRC DST PROTO",
    .about =
	"Ask the daemon which real the flow from SRC (IP:PORT) to DST\n"
	"(VIP:PORT) over PROTO (tcp, udp, sctp) goes to and how it knows:\n"
	"flow-table entry or ring slot (xdp), the scheduler, or unknown.\n",
    .options = cl_opts,
    .epilogue = CL_EPILOGUE,
    .min_args = 3,
    .max_args = 3,
};

const struct cli_command cli_overrides = {
    .name = "overrides",
    .summary = "list the runtime overrides in force",
    .synopsis = "ballast overrides [--socket PATH] [--json]",
    .about = "List every runtime override (drain, disable, weight, health)\n"
	     "with who set it and when it expires.\n",
    .options = cl_opts,
    .epilogue = CL_EPILOGUE,
};

const struct cli_command cli_node = {
    .name = "node",
    .summary = "this node's VIP announcements: drain, undrain, status",
    .synopsis = "ballast node drain|undrain|status [--socket PATH] [-c FILE] "
		"[--json]",
    .about =
	"With ha.mode: bgp, show or change whether this node takes traffic.\n"
	"\n"
	"drain    withdraw every VIP route at once (the routers move new\n"
	"         flows to the other nodes), then after bgp.drain_wait leave\n"
	"         the node's services out of the dataplane. The drain is kept\n"
	"         in the state directory: a restarted node stays drained.\n"
	"undrain  serve again: the services come back, and each VIP is\n"
	"         announced once the pass that programs it has converged.\n"
	"status   the node's state and, per VIP, whether it is announced\n"
	"         and why (or why not).\n"
	"See Docs/SCALE.md.\n",
    .options = cl_opts,
    .epilogue = CL_EPILOGUE,
    .min_args = 1,
    .max_args = 1,
};

const struct cli_command *const cli_commands[] = {
    &cli_validate, &cli_plan,	 &cli_apply,  &cli_probe,     &cli_decap, &cli_doctor, &cli_vrrp, &cli_bgp,
    &cli_status,   &cli_show,	 &cli_watch,  &cli_overrides, &cli_drain,
    &cli_undrain,  &cli_disable, &cli_enable, &cli_weight,    &cli_health,
    &cli_flow,	   &cli_node,	 &cli_version, &cli_help,   NULL,
};

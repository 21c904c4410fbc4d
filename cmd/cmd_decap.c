// SPDX-License-Identifier: GPL-2.0-only
/* ballast decap: the DSR backend's decapsulation program on an interface. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "dataplane/xdp/decap.h"

static const char decap_usage[] =
    "Usage: ballast decap attach IFACE ADDRESS... [--mode MODE] [--pin-path "
    "DIR]\n"
    "       ballast decap detach IFACE [--pin-path DIR]\n"
    "       ballast decap status IFACE [--pin-path DIR]\n"
    "\n"
    "On a DSR backend: strip the IPIP / IP6IP6 / IPv4-in-IPv6 header the\n"
    "forwarder adds to packets for ADDRESS (this host's tunnel addresses,\n"
    "the reals' addresses in the balancer's config) arriving on IFACE, so\n"
    "the stack sees the client's packet to the VIP (which must be on a local\n"
    "interface, e.g. lo). No ipip kernel module is needed.\n"
    "\n"
    "attach  loads the program and attaches it through a bpf_link pinned in\n"
    "        DIR/decap/IFACE/ (it stays attached after the command exits).\n"
    "        Run again to change the addresses or to install a new build:\n"
    "        the link is updated in place, never detached in between.\n"
    "detach  detaches it and removes its pins.\n"
    "status  shows whether it is attached, its addresses and its counters\n"
    "        (ok: decapsulated, pass: not for us, malformed: dropped).\n"
    "\n"
    "Options:\n"
    "      --mode MODE       auto (default), native or generic XDP\n"
    "      --pin-path DIR    bpffs directory (default /sys/fs/bpf/ballast)\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 done, 1 error (the reason is printed), 3 status: not "
    "attached.\n";

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt,
							     ...)
{
	va_list ap;

	fputs("ballast decap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; see 'ballast decap --help'\n", stderr);
	return CMD_EXIT_ERROR;
}

static int print_status(const char *root, const char *ifname)
{
	struct dp_xdp_decap_status st;
	char buf[LB_ADDR_STRLEN];
	int err = dp_xdp_decap_status(root, ifname, &st);

	if (err == -ENOENT) {
		printf("%s: not attached (nothing pinned in %s/decap/%s)\n",
		       ifname, root, ifname);
		return 3;
	}
	if (err) {
		fprintf(stderr, "ballast decap: reading %s/decap/%s: %s\n",
			root, ifname, strerror(-err));
		return CMD_EXIT_ERROR;
	}
	printf("%s: %s\naddresses:", ifname,
	       st.attached ? "attached" : "pinned but detached");
	for (size_t i = 0; i < st.n_addrs; i++)
		printf(" %s", lb_addr_fmt(&st.addrs[i], buf, sizeof(buf)));
	printf("\nok %llu\npass %llu\nmalformed %llu\n",
	       (unsigned long long)st.ok, (unsigned long long)st.pass,
	       (unsigned long long)st.malformed);
	return st.attached ? CMD_EXIT_OK : 3;
}

int cmd_decap(int argc, char **argv)
{
	struct lb_addr addrs[DP_XDP_DECAP_MAX_ADDRS];
	enum cfg_xdp_mode mode = CFG_XDP_MODE_AUTO;
	const char *root = "/sys/fs/bpf/ballast", *verb = NULL, *ifname = NULL;
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(decap_usage, stdout);
			return CMD_EXIT_OK;
		} else if (!strcmp(a, "--pin-path") && i + 1 < argc) {
			root = argv[++i];
		} else if (!strcmp(a, "--mode") && i + 1 < argc) {
			const char *m = argv[++i];

			if (!strcmp(m, "auto"))
				mode = CFG_XDP_MODE_AUTO;
			else if (!strcmp(m, "native"))
				mode = CFG_XDP_MODE_NATIVE;
			else if (!strcmp(m, "generic"))
				mode = CFG_XDP_MODE_GENERIC;
			else
				return usage_error("mode '%s' is not one of "
						   "auto, native, generic",
						   m);
		} else if (a[0] == '-') {
			return usage_error("unknown option '%s'", a);
		} else if (!verb) {
			verb = a;
		} else if (!ifname) {
			ifname = a;
		} else if (n == DP_XDP_DECAP_MAX_ADDRS) {
			return usage_error(
			    "too many addresses (at most 64) at '%s'", a);
		} else if (lb_addr_parse(a, &addrs[n++])) {
			return usage_error(
			    "'%s' is not an IPv4 or IPv6 address", a);
		}
	}
	if (!verb || !ifname)
		return usage_error("%s", "needs a verb and an interface");
	if (!strcmp(verb, "attach")) {
		if (!n)
			return usage_error(
			    "attach %s needs this host's tunnel addresses",
			    ifname);
		return dp_xdp_decap_attach(root, ifname, mode, addrs, n)
			   ? CMD_EXIT_ERROR
			   : CMD_EXIT_OK;
	}
	if (n)
		return usage_error("%s takes no addresses", verb);
	if (!strcmp(verb, "detach"))
		return dp_xdp_decap_detach(root, ifname) ? CMD_EXIT_ERROR
							 : CMD_EXIT_OK;
	if (!strcmp(verb, "status"))
		return print_status(root, ifname);
	return usage_error("no verb '%s' (attach, detach or status)", verb);
}

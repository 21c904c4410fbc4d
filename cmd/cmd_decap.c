// SPDX-License-Identifier: GPL-2.0-only
/* ballast decap: the DSR backend's decapsulation program on an interface. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli/specs.h"
#include "cmd/commands.h"
#include "cmd/options.h"
#include "dataplane/xdp/decap.h"

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
	static const enum cfg_xdp_mode modes[] = {
	    CFG_XDP_MODE_AUTO,
	    CFG_XDP_MODE_NATIVE,
	    CFG_XDP_MODE_GENERIC,
	};
	struct lb_addr addrs[DP_XDP_DECAP_MAX_ADDRS];
	struct cmd_decap_options o = {.pin_path = "/sys/fs/bpf/ballast"};
	const char *root, *verb, *ifname;
	enum cfg_xdp_mode mode;
	size_t n = 0;
	int first, code;

	if (cli_parse(&cli_decap, argc, argv, &o, &first, &code))
		return code;
	root = o.pin_path;
	mode = modes[o.mode];
	if (argc - first < 2)
		return usage_error("%s", "needs a verb and an interface");
	verb = argv[first];
	ifname = argv[first + 1];
	for (int i = first + 2; i < argc; i++) {
		if (n == DP_XDP_DECAP_MAX_ADDRS)
			return usage_error(
			    "too many addresses (at most 64) at '%s'", argv[i]);
		if (lb_addr_parse(argv[i], &addrs[n++]))
			return usage_error(
			    "'%s' is not an IPv4 or IPv6 address", argv[i]);
	}
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

// SPDX-License-Identifier: GPL-2.0-only
/*
 * A controllable target server for health-check tests and benchmarks: any
 * number of listeners (one per address) on one epoll loop, told over stdin to
 * accept, refuse, hang, answer HTTP with a chosen code and body, speak TLS,
 * or answer UDP. Every command is acknowledged with "ok" on stdout, so tests
 * synchronise on it instead of sleeping.
 *
 *   hc_testsrv -p PORT (-a ADDR ... | -r FIRST COUNT) [-m MODE] [-c CODE]
 *              [-b BODY] [--cert PEM --key PEM] [-n NOFILE]
 *   MODE: tcp | http | https | hang | refuse | udp
 *   stdin: "mode MODE", "code N", "body TEXT", "stats", "quit"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum mode { M_TCP, M_HTTP, M_HTTPS, M_HANG, M_REFUSE, M_UDP };

static const char *const mode_names[] = {"tcp",	 "http",   "https",
					 "hang", "refuse", "udp"};

struct conn {
	int kind; /* 0 listener, 1 connection, 2 stdin, 3 udp */
	int fd;
	SSL *ssl;
	bool draining; /* answered; waiting for the peer to close */
	size_t len;
	char buf[1024];
};

struct srv {
	int ep;
	struct sockaddr_in *addrs;
	size_t n_addrs;
	struct conn **ls; /* listeners (TCP or UDP) */
	enum mode mode;
	bool listening;
	int code;
	char body[512];
	SSL_CTX *tls;
	unsigned long accepted;
	unsigned long answered;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void add(struct srv *s, struct conn *c, uint32_t ev)
{
	struct epoll_event e = {.events = ev, .data.ptr = c};

	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, c->fd, &e) < 0)
		die("epoll_ctl");
}

static void close_conn(struct conn *c)
{
	/* RST, so the server side leaves no TIME_WAIT to skew counts */
	static const struct linger rst = {1, 0};

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	if (c->ssl)
		SSL_free(c->ssl);
	close(c->fd);
	free(c);
}

static void open_listeners(struct srv *s)
{
	bool udp = s->mode == M_UDP;

	for (size_t i = 0; i < s->n_addrs; i++) {
		int one = 1;
		int fd = socket(AF_INET,
				(udp ? SOCK_DGRAM : SOCK_STREAM) |
				    SOCK_NONBLOCK | SOCK_CLOEXEC,
				0);
		struct conn *c = calloc(1, sizeof(*c));

		if (fd < 0 || !c)
			die("socket");
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&s->addrs[i],
			 sizeof(s->addrs[i])) < 0)
			die("bind");
		if (!udp && listen(fd, 4096) < 0)
			die("listen");
		c->kind = udp ? 3 : 0;
		c->fd = fd;
		s->ls[i] = c;
		add(s, c, EPOLLIN);
	}
	s->listening = true;
}

static void close_listeners(struct srv *s)
{
	for (size_t i = 0; i < s->n_addrs; i++) {
		close(s->ls[i]->fd);
		free(s->ls[i]);
		s->ls[i] = NULL;
	}
	s->listening = false;
}

static void set_mode(struct srv *s, enum mode m)
{
	bool udp_change = (m == M_UDP) != (s->mode == M_UDP);

	if (s->listening && (m == M_REFUSE || udp_change))
		close_listeners(s);
	s->mode = m;
	if (!s->listening && m != M_REFUSE)
		open_listeners(s);
}

static void answer(struct srv *s, struct conn *c)
{
	char resp[1024];
	int n = snprintf(resp, sizeof(resp),
			 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: "
			 "close\r\n\r\n%s",
			 s->code, strlen(s->body), s->body);

	if (c->ssl)
		SSL_write(c->ssl, resp, n);
	else if (send(c->fd, resp, (size_t)n, MSG_NOSIGNAL) < 0)
		return;
	s->answered++;
}

static void on_conn(struct srv *s, struct conn *c, uint32_t ev)
{
	ssize_t n;

	if (c->ssl && !SSL_is_init_finished(c->ssl)) {
		int r = SSL_accept(c->ssl);

		if (r <= 0) {
			int e = SSL_get_error(c->ssl, r);

			if (e != SSL_ERROR_WANT_READ &&
			    e != SSL_ERROR_WANT_WRITE)
				close_conn(c);
			ERR_clear_error();
			return;
		}
	}
	for (;;) {
		if (c->len >= sizeof(c->buf) - 1)
			c->len = 0;
		n = c->ssl ? SSL_read(c->ssl, c->buf + c->len,
				      (int)(sizeof(c->buf) - 1 - c->len))
			   : recv(c->fd, c->buf + c->len,
				  sizeof(c->buf) - 1 - c->len, 0);
		if (n <= 0)
			break;
		c->len += (size_t)n;
		if (!c->draining && s->mode != M_HANG && s->mode != M_TCP &&
		    memmem(c->buf, c->len, "\r\n\r\n", 4)) {
			/*
			 * Answer (with Content-Length) and let the prober
			 * close first: a reset sent right after the answer
			 * can destroy it in flight, and a FIN of ours would
			 * leave TIME_WAIT sockets here that later SYNs from
			 * the same ports run into. The close is a reset.
			 */
			answer(s, c);
			c->draining = true;
		}
	}
	if (c->ssl) {
		int e = SSL_get_error(c->ssl, (int)n);

		ERR_clear_error();
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return;
	} else if (n < 0 && errno == EAGAIN) {
		return;
	}
	close_conn(c);
}

static void on_accept(struct srv *s, struct conn *l)
{
	for (int k = 0; k < 64; k++) {
		int fd =
		    accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0)
			return;
		s->accepted++;
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->kind = 1;
		c->fd = fd;
		/* tcp mode waits, like any server, for the prober to close */
		if (s->mode == M_HTTPS) {
			c->ssl = SSL_new(s->tls);
			SSL_set_fd(c->ssl, fd);
			SSL_set_accept_state(c->ssl);
		}
		add(s, c, EPOLLIN | EPOLLRDHUP);
	}
}

static void on_udp(struct srv *s, struct conn *c)
{
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	char buf[512];

	while (recvfrom(c->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			&fl) >= 0) {
		s->answered++;
		sendto(c->fd, "pong", 4, 0, (struct sockaddr *)&from, fl);
		fl = sizeof(from);
	}
}

static bool on_stdin(struct srv *s, struct conn *c)
{
	char line[600];
	ssize_t n = read(0, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	char *nl;

	if (n <= 0)
		return false; /* controller went away: exit */
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	while ((nl = strchr(c->buf, '\n'))) {
		size_t l = (size_t)(nl - c->buf);

		memcpy(line, c->buf, l);
		line[l] = '\0';
		memmove(c->buf, nl + 1, c->len - l);
		c->len -= l + 1;
		if (!strncmp(line, "mode ", 5)) {
			for (int m = 0; m <= M_UDP; m++)
				if (!strcmp(line + 5, mode_names[m]))
					set_mode(s, (enum mode)m);
		} else if (!strncmp(line, "code ", 5)) {
			s->code = atoi(line + 5);
		} else if (!strncmp(line, "body ", 5)) {
			snprintf(s->body, sizeof(s->body), "%.500s", line + 5);
		} else if (!strcmp(line, "stats")) {
			printf("accepted %lu answered %lu\n", s->accepted,
			       s->answered);
		} else if (!strcmp(line, "quit")) {
			return false;
		}
		printf("ok\n");
		fflush(stdout);
	}
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"cert", required_argument, NULL, 'C'},
	    {"key", required_argument, NULL, 'K'},
	    {NULL, 0, NULL, 0},
	};
	struct srv s = {.code = 200, .mode = M_TCP};
	const char *cert = NULL, *key = NULL, *first = NULL;
	size_t count = 0, cap = 0;
	struct rlimit rl;
	unsigned long nofile = 65536;
	struct conn in = {.kind = 2, .fd = 0};
	struct epoll_event evs[256];
	uint16_t port = 0;
	int c;

	snprintf(s.body, sizeof(s.body), "ok");
	while ((c = getopt_long(argc, argv, "p:a:r:m:c:b:n:", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'p':
			port = (uint16_t)atoi(optarg);
			break;
		case 'a':
			if (s.n_addrs == cap) {
				cap = cap ? cap * 2 : 16;
				s.addrs =
				    realloc(s.addrs, cap * sizeof(*s.addrs));
			}
			memset(&s.addrs[s.n_addrs], 0, sizeof(*s.addrs));
			s.addrs[s.n_addrs].sin_family = AF_INET;
			if (inet_pton(AF_INET, optarg,
				      &s.addrs[s.n_addrs].sin_addr) != 1)
				die("address");
			s.n_addrs++;
			break;
		case 'r':
			first = optarg;
			if (optind >= argc)
				die("-r FIRST COUNT");
			count = strtoul(argv[optind++], NULL, 10);
			break;
		case 'm':
			for (int m = 0; m <= M_UDP; m++)
				if (!strcmp(optarg, mode_names[m]))
					s.mode = (enum mode)m;
			break;
		case 'c':
			s.code = atoi(optarg);
			break;
		case 'b':
			snprintf(s.body, sizeof(s.body), "%s", optarg);
			break;
		case 'n':
			nofile = strtoul(optarg, NULL, 10);
			break;
		case 'C':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		default:
			return 2;
		}
	}
	if (first) {
		struct in_addr a;

		if (inet_pton(AF_INET, first, &a) != 1)
			die("address");
		s.addrs =
		    realloc(s.addrs, (s.n_addrs + count) * sizeof(*s.addrs));
		for (size_t i = 0; i < count; i++) {
			memset(&s.addrs[s.n_addrs], 0, sizeof(*s.addrs));
			s.addrs[s.n_addrs].sin_family = AF_INET;
			s.addrs[s.n_addrs].sin_addr.s_addr =
			    htonl(ntohl(a.s_addr) + (uint32_t)i);
			s.n_addrs++;
		}
	}
	if (!s.n_addrs || !port) {
		fprintf(stderr, "hc_testsrv: need -p PORT and addresses\n");
		return 2;
	}
	for (size_t i = 0; i < s.n_addrs; i++)
		s.addrs[i].sin_port = htons(port);
	rl.rlim_cur = rl.rlim_max = nofile;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (cert && key) {
		s.tls = SSL_CTX_new(TLS_server_method());
		if (!s.tls ||
		    SSL_CTX_use_certificate_file(s.tls, cert,
						 SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_use_PrivateKey_file(s.tls, key, SSL_FILETYPE_PEM) !=
			1)
			die("TLS certificate");
	}
	if (s.mode == M_HTTPS && !s.tls)
		die("https needs --cert and --key");
	s.ls = calloc(s.n_addrs, sizeof(*s.ls));
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	add(&s, &in, EPOLLIN);
	if (s.mode != M_REFUSE)
		open_listeners(&s);
	printf("ready %zu\n", s.n_addrs);
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(s.ep, evs, 256, -1);

		for (int i = 0; i < n; i++) {
			struct conn *cn = evs[i].data.ptr;

			switch (cn->kind) {
			case 0:
				on_accept(&s, cn);
				break;
			case 1:
				on_conn(&s, cn, evs[i].events);
				break;
			case 2:
				if (!on_stdin(&s, cn))
					return 0;
				break;
			case 3:
				on_udp(&s, cn);
				break;
			}
		}
	}
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * haflow: the traffic of the failover benchmark inside the test VM
 * (tests/vm/halvs.sh), which has no python. An echo connection: every
 * answer needs the load balancer's forward path at that moment (the client's
 * bytes go through the VIP, the echo comes back from the backend directly),
 * so a failover shows as a stall or a reset.
 *
 *   haflow serve PORT
 *	echo every connection's bytes back; prints "ready" once listening
 *   haflow flow ADDR PORT WARM_MS AFTER_MS LIMIT_S
 *	one connection, 64 bytes every 10 ms. Prints "steady SPORT" once
 *	WARM_MS of echoes came back (SPORT: its source port). SIGUSR1 marks
 *	the failover; the flow ends AFTER_MS after the mark (or after
 *	LIMIT_S) and prints one line:
 *	  "result STATE before B after A gap G"
 *	STATE: ok, reset, eof or error (how the connection ended, if it did);
 *	B: bytes echoed in the second before the mark; A: bytes echoed in the
 *	AFTER_MS after it; G: the longest wait for an echo after the mark, in
 *	ms (from the mark, and to the end when the echoes stopped).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN 64
#define TICK_MS 10
#define MAX_CONNS 64
/* Echoed-byte samples, one per tick: more than a second's worth. */
#define NSAMPLES 128

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int serve(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	struct pollfd fds[MAX_CONNS + 1];
	int one = 1, n = 1;
	char buf[65536];

	fds[0].fd = socket(AF_INET, SOCK_STREAM, 0);
	fds[0].events = POLLIN;
	if (fds[0].fd < 0 ||
	    setsockopt(fds[0].fd, SOL_SOCKET, SO_REUSEADDR, &one,
		       sizeof(one)) ||
	    bind(fds[0].fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fds[0].fd, 64)) {
		perror("haflow serve");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(fds, n, -1) < 0 && errno != EINTR)
			return 1;
		if ((fds[0].revents & POLLIN) && n <= MAX_CONNS) {
			int c = accept(fds[0].fd, NULL, NULL);

			if (c >= 0) {
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof(one));
				fds[n].fd = c;
				fds[n].events = POLLIN;
				fds[n++].revents = 0;
			}
		}
		for (int i = 1; i < n; i++) {
			ssize_t r;

			if (!fds[i].revents)
				continue;
			r = recv(fds[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r > 0 && send(fds[i].fd, buf, r, MSG_NOSIGNAL) == r)
				continue;
			close(fds[i].fd);
			fds[i--] = fds[--n];
		}
	}
}

static volatile sig_atomic_t marked;

static void on_usr1(int sig)
{
	marked = 1;
}

static const char *state_of(int err)
{
	if (err == ECONNRESET || err == EPIPE)
		return "reset";
	return "error";
}

static int flow(const char *addr, int port, int warm_ms, int after_ms,
		int limit_s)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	long long samples[NSAMPLES] = {0}, echoed = 0, before = 0, at_mark = 0;
	double t0, next, mark = 0, last_rx = 0, gap = 0, end;
	const char *state = "ok";
	unsigned long tick = 0;
	char msg[MSG_LEN], buf[65536];
	struct sockaddr_in local;
	socklen_t len = sizeof(local);
	int one = 1, fd, steady = 0;

	memset(msg, 'm', sizeof(msg));
	signal(SIGUSR1, on_usr1);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "haflow: bad address %s\n", addr);
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("result error connect %s\n", strerror(errno));
		return 1;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &len))
		local.sin_port = 0;
	t0 = next = now_ms();
	end = t0 + limit_s * 1e3;
	while (now_ms() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		double t = now_ms();
		ssize_t r;

		if (marked && !mark) {
			mark = last_rx = t;
			at_mark = echoed;
			before = echoed -
				 (tick >= 100 ? samples[(tick - 100) % NSAMPLES]
					      : 0);
			end = mark + after_ms;
		}
		if (t >= next) {
			/* samples[i % N]: the echoed count at tick i. */
			samples[tick++ % NSAMPLES] = echoed;
			next += TICK_MS;
			r = send(fd, msg, sizeof(msg),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r < 0 && errno != EAGAIN) {
				state = state_of(errno);
				break;
			}
			continue;
		}
		if (poll(&p, 1, (int)(next - t) + 1) <= 0)
			continue;
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0) {
			state = "eof";
			break;
		}
		if (r < 0) {
			if (errno == EAGAIN)
				continue;
			state = state_of(errno);
			break;
		}
		echoed += r;
		t = now_ms();
		if (mark) {
			if (t - last_rx > gap)
				gap = t - last_rx;
			last_rx = t;
		}
		if (!steady && t - t0 >= warm_ms && echoed > 0) {
			steady = 1;
			printf("steady %u\n", ntohs(local.sin_port));
			fflush(stdout);
		}
	}
	if (mark && now_ms() - last_rx > gap)
		gap = now_ms() - last_rx;
	printf("result %s before %lld after %lld gap %.0f\n", state, before,
	       mark ? echoed - at_mark : 0, gap);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 7 && !strcmp(argv[1], "flow"))
		return flow(argv[2], atoi(argv[3]), atoi(argv[4]),
			    atoi(argv[5]), atoi(argv[6]));
	fprintf(stderr, "usage: haflow serve PORT | "
			"flow ADDR PORT WARM_MS AFTER_MS LIMIT_S\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * systemd notifications against a datagram socket the test binds as
 * $NOTIFY_SOCKET: what arrives, the watchdog's interval and its timer on the
 * loop, and nothing at all without $NOTIFY_SOCKET.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/evloop.h"
#include "lib/log.h"
#include "lib/sdnotify.h"
#include "tests/lib/check_main.h"

struct notify_sock {
	char dir[64];
	char path[108];
	int fd;
};

static void sock_open(struct notify_sock *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(s->dir, sizeof(s->dir), "/tmp/ballast-sdnotify-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/notify", s->dir);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(s->fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", s->path, 1), 0);
}

static void sock_close(struct notify_sock *s)
{
	close(s->fd);
	unlink(s->path);
	rmdir(s->dir);
	unsetenv("NOTIFY_SOCKET");
}

/* One datagram if one is waiting, else "" (never blocks). */
static void sock_take(struct notify_sock *s, char *buf, size_t size)
{
	ssize_t n = recv(s->fd, buf, size - 1, 0);

	if (n < 0) {
		ck_assert_int_eq(errno, EAGAIN);
		n = 0;
	}
	buf[n] = '\0';
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void clear_watchdog_env(void)
{
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

START_TEST(notifications_arrive)
{
	struct notify_sock s;
	struct lb_loop *loop;
	struct lb_sd *sd;
	struct timespec ts;
	unsigned long long mono, now;
	char buf[512];

	clear_watchdog_env();
	sock_open(&s);
	ck_assert_int_eq(lb_loop_new(&loop), 0);
	ck_assert_int_eq(lb_sd_open(loop, &sd), 0);
	ck_assert(lb_sd_active(sd));
	ck_assert_uint_eq(lb_sd_watchdog_interval_usec(sd), 0);
	ck_assert_uint_eq(lb_loop_timer_count(loop), 0);

	ck_assert_int_eq(lb_sd_ready(sd, "3 services, 12 reals"), 0);
	sock_take(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "READY=1\nSTATUS=3 services, 12 reals");

	ck_assert_int_eq(lb_sd_ready(sd, NULL), 0);
	sock_take(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "READY=1");

	ck_assert_int_eq(lb_sd_reloading(sd), 0);
	sock_take(&s, buf, sizeof(buf));
	ck_assert_int_eq(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu", &mono),
			 1);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (unsigned long long)ts.tv_sec * 1000000ULL +
	      (unsigned long long)ts.tv_nsec / 1000;
	ck_assert(mono <= now && now - mono < 5000000ULL);

	ck_assert_int_eq(lb_sd_stopping(sd), 0);
	sock_take(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "STOPPING=1");

	/* a newline in a status cannot smuggle in another assignment */
	ck_assert_int_eq(lb_sd_status(sd, "bad\nREADY=1"), 0);
	sock_take(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "STATUS=bad READY=1");

	ck_assert_int_eq(lb_sd_watchdog_ping(sd), 0);
	sock_take(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "WATCHDOG=1");

	/* nothing else was sent */
	sock_take(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	lb_sd_free(sd);
	lb_loop_free(loop);
	sock_close(&s);
}
END_TEST

START_TEST(watchdog_pings_at_half_the_interval)
{
	struct notify_sock s;
	struct lb_loop *loop;
	struct lb_sd *sd;
	uint64_t start, at[2];
	int got = 0;
	char buf[64], pid[32];

	sock_open(&s);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_USEC", "1000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_int_eq(lb_loop_new(&loop), 0);
	lb_loop_set_timer_slack(loop, 1);
	start = now_ms();
	ck_assert_int_eq(lb_sd_open(loop, &sd), 0);
	ck_assert_uint_eq(lb_sd_watchdog_interval_usec(sd), 500000);
	ck_assert_uint_eq(lb_loop_timer_count(loop), 1);

	/* two pings, bounded to 3 s */
	while (got < 2 && now_ms() - start < 3000) {
		ck_assert_int_ge(lb_loop_run_once(loop, 20), 0);
		sock_take(&s, buf, sizeof(buf));
		if (!*buf)
			continue;
		ck_assert_str_eq(buf, "WATCHDOG=1");
		at[got++] = now_ms();
	}
	ck_assert_int_eq(got, 2);
	/*
	 * Never early; late only by scheduling, and well before systemd's
	 * deadline (WATCHDOG_USEC) on a loaded machine.
	 */
	ck_assert_uint_ge(at[0] - start, 499);
	ck_assert_uint_lt(at[0] - start, 900);
	ck_assert_uint_ge(at[1] - at[0], 490);
	ck_assert_uint_lt(at[1] - at[0], 900);
	/* the timer re-armed itself; freeing cancels it */
	ck_assert_uint_eq(lb_loop_timer_count(loop), 1);
	lb_sd_free(sd);
	ck_assert_uint_eq(lb_loop_timer_count(loop), 0);
	lb_loop_free(loop);
	clear_watchdog_env();
	sock_close(&s);
}
END_TEST

START_TEST(watchdog_for_another_process_is_ignored)
{
	struct notify_sock s;
	struct lb_loop *loop;
	struct lb_sd *sd;
	char pid[32];

	sock_open(&s);
	snprintf(pid, sizeof(pid), "%d", (int)getppid());
	setenv("WATCHDOG_USEC", "200000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_int_eq(lb_loop_new(&loop), 0);
	ck_assert_int_eq(lb_sd_open(loop, &sd), 0);
	ck_assert_uint_eq(lb_sd_watchdog_interval_usec(sd), 0);
	ck_assert_uint_eq(lb_loop_timer_count(loop), 0);
	lb_sd_free(sd);

	/* malformed: a warning, no watchdog, no failure */
	lb_log_set_level(LB_LOG_ERR);
	setenv("WATCHDOG_USEC", "soon", 1);
	unsetenv("WATCHDOG_PID");
	ck_assert_int_eq(lb_sd_open(loop, &sd), 0);
	ck_assert_uint_eq(lb_sd_watchdog_interval_usec(sd), 0);
	ck_assert_uint_eq(lb_loop_timer_count(loop), 0);
	lb_sd_free(sd);
	lb_loop_free(loop);
	clear_watchdog_env();
	sock_close(&s);
}
END_TEST

START_TEST(no_notify_socket_is_a_no_op)
{
	struct lb_loop *loop;
	struct lb_sd *sd;
	char pid[32];

	unsetenv("NOTIFY_SOCKET");
	/* even with a watchdog asked for, no socket means nobody to ping */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_USEC", "200000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_int_eq(lb_loop_new(&loop), 0);
	ck_assert_int_eq(lb_sd_open(loop, &sd), 0);
	ck_assert(!lb_sd_active(sd));
	ck_assert_uint_eq(lb_sd_watchdog_interval_usec(sd), 0);
	ck_assert_uint_eq(lb_loop_timer_count(loop), 0);
	ck_assert_int_eq(lb_sd_ready(sd, "x"), 0);
	ck_assert_int_eq(lb_sd_reloading(sd), 0);
	ck_assert_int_eq(lb_sd_stopping(sd), 0);
	ck_assert_int_eq(lb_sd_status(sd, "x"), 0);
	ck_assert_int_eq(lb_sd_watchdog_ping(sd), 0);
	lb_sd_free(sd);
	lb_sd_free(NULL);
	lb_loop_free(loop);
	clear_watchdog_env();
}
END_TEST

START_TEST(send_failure_is_reported)
{
	struct lb_sd *sd;
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

	clear_watchdog_env();
	lb_log_set_level(LB_LOG_ERR);
	lb_log_set_fd(devnull);
	setenv("NOTIFY_SOCKET", "/nonexistent/ballast-notify", 1);
	ck_assert_int_eq(lb_sd_open(NULL, &sd), 0);
	ck_assert(lb_sd_active(sd));
	ck_assert_int_lt(lb_sd_ready(sd, NULL), 0);
	ck_assert_int_lt(lb_sd_watchdog_ping(sd), 0);
	lb_sd_free(sd);
	unsetenv("NOTIFY_SOCKET");
	lb_log_set_fd(-1);
	close(devnull);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sdnotify");
	TCase *tc = tcase_create("sdnotify");

	tcase_add_test(tc, notifications_arrive);
	tcase_add_test(tc, watchdog_pings_at_half_the_interval);
	tcase_add_test(tc, watchdog_for_another_process_is_ignored);
	tcase_add_test(tc, no_notify_socket_is_a_no_op);
	tcase_add_test(tc, send_failure_is_reported);
	suite_add_tcase(s, tc);
	return s;
}

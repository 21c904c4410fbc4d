// SPDX-License-Identifier: GPL-2.0-only
#include "cmd/api/listen.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_BACKLOG 64

/* Is someone accepting on the socket at path? */
static bool unix_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool live;

	if (fd < 0)
		return true; /* cannot tell: do not remove it */
	live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ||
	       errno == EAGAIN;
	close(fd);
	return live;
}

int api_unix_listen(const char *path, struct api_sock_file *sf, char *err,
		    size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old_mask;
	int fd, rc;

	memset(sf, 0, sizeof(*sf));
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen,
			 "API socket path '%s' is longer than %zu bytes; "
			 "choose a shorter path",
			 path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen,
				 "API socket path '%s' exists and is not a "
				 "socket; remove it or choose another path",
				 path);
			return -EEXIST;
		}
		if (unix_live(&sa)) {
			snprintf(err, errlen,
				 "another process is serving on '%s' (is a "
				 "ballast daemon already running?); stop it "
				 "or choose another --socket",
				 path);
			return -EADDRINUSE;
		}
		/* a stale socket from a process that died */
		if (unlink(path) < 0 && errno != ENOENT) {
			rc = -errno;
			snprintf(err, errlen,
				 "cannot remove stale socket '%s': %s", path,
				 strerror(errno));
			return rc;
		}
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket(AF_UNIX): %s", strerror(errno));
		return rc;
	}
	/* created 0600 from the start: no window where others may connect */
	old_mask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0 || listen(fd, LISTEN_BACKLOG) < 0 || stat(path, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot listen on '%s': %s%s", path,
			 strerror(errno),
			 rc == -ENOENT ? " (create its directory first)" : "");
		close(fd);
		return rc;
	}
	snprintf(sf->path, sizeof(sf->path), "%s", path);
	sf->dev = st.st_dev;
	sf->ino = st.st_ino;
	sf->created = true;
	return fd;
}

void api_unix_unlink(struct api_sock_file *sf)
{
	struct stat st;

	if (!sf->created)
		return;
	sf->created = false;
	/* a successor may have replaced our stale file: leave theirs alone */
	if (lstat(sf->path, &st) == 0 && st.st_dev == sf->dev &&
	    st.st_ino == sf->ino)
		unlink(sf->path);
}

/* Split "host:port" / "[v6]:port" into host and port text. */
static int split_host_port(const char *spec, char *host, size_t hostlen,
			   const char **port)
{
	const char *colon;
	size_t len;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		len = (size_t)(end - spec - 1);
		spec++;
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || memchr(spec, ':', (size_t)(colon - spec)))
			return -EINVAL;
		len = (size_t)(colon - spec);
	}
	if (len == 0 || len >= hostlen)
		return -EINVAL;
	memcpy(host, spec, len);
	host[len] = '\0';
	*port = colon + 1;
	return 0;
}

int api_tcp_listen(const char *spec, uint16_t *port, bool *loopback, char *err,
		   size_t errlen)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	char host[64], *end;
	const char *port_s;
	socklen_t sl;
	unsigned long p;
	int fd, rc, one = 1;

	if (split_host_port(spec, host, sizeof(host), &port_s) < 0)
		goto bad;
	errno = 0;
	p = strtoul(port_s, &end, 10);
	if (!*port_s || *end || errno || p > 65535)
		goto bad;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		sl = sizeof(*s4);
		*loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		sl = sizeof(*s6);
		*loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	} else {
		goto bad;
	}

	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", spec,
			 strerror(errno));
		close(fd);
		return rc;
	}
	*port = ntohs(ss.ss_family == AF_INET ? s4->sin_port : s6->sin6_port);
	return fd;
bad:
	snprintf(err, errlen,
		 "API listen address '%s' is not HOST:PORT with a literal "
		 "address (e.g. 127.0.0.1:9180 or [::1]:9180)",
		 spec);
	return -EINVAL;
}

int api_file_slurp(const char *path, size_t max, char **out, char *err,
		   size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > max) {
		snprintf(err, errlen,
			 "'%s' is not a regular file of at most %zu bytes",
			 path, max);
		rc = -EINVAL;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot read '%s': %s", path,
			 strerror(errno));
		free(buf);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	rc = 0;
out:
	close(fd);
	return rc;
}

int api_token_load(const char *path, char **out, char *err, size_t errlen)
{
	struct stat st;
	char *tok, *s, *e;
	int rc;

	if (stat(path, &st) == 0 && (st.st_mode & 077)) {
		snprintf(err, errlen,
			 "API token file '%s' is readable by group or others "
			 "(mode %04o); run: chmod 600 %s",
			 path, (unsigned int)(st.st_mode & 07777), path);
		return -EPERM;
	}
	rc = api_file_slurp(path, 4096, &tok, err, errlen);
	if (rc < 0)
		return rc;
	for (s = tok; isspace((unsigned char)*s); s++)
		;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	for (const char *c = s; *c; c++) {
		if (!isgraph((unsigned char)*c)) {
			snprintf(err, errlen,
				 "API token in '%s' contains whitespace or "
				 "control characters; write one token on one "
				 "line",
				 path);
			free(tok);
			return -EINVAL;
		}
	}
	if (strlen(s) < API_TOKEN_MIN) {
		snprintf(err, errlen,
			 "API token in '%s' has %zu characters; use at least "
			 "%d (e.g. openssl rand -hex 32 > %s)",
			 path, strlen(s), API_TOKEN_MIN, path);
		free(tok);
		return -EINVAL;
	}
	memmove(tok, s, strlen(s) + 1);
	*out = tok;
	return 0;
}

bool api_token_check(const char *token, const char *authorization)
{
	const char *given;
	size_t tlen = strlen(token), glen;
	unsigned char diff;

	if (!authorization || strncasecmp(authorization, "Bearer ", 7))
		return false;
	for (given = authorization + 7; *given == ' '; given++)
		;
	glen = strlen(given);
	diff = glen != tlen;
	/* walk the whole token whatever the input, so timing tells nothing */
	for (size_t i = 0; i < tlen; i++)
		diff |= (unsigned char)token[i] ^
			(unsigned char)(i < glen ? given[i] : 0);
	return diff == 0;
}

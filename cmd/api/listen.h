/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control API's sockets and secrets: the unix socket (mode 0600, stale
 * files replaced, live ones refused), TCP listeners, the bearer token file
 * and its constant-time check.
 */
#ifndef BALLAST_CMD_API_LISTEN_H
#define BALLAST_CMD_API_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Identity of the socket file we created, so we only ever remove ours. */
struct api_sock_file {
	char path[108];
	dev_t dev;
	ino_t ino;
	bool created;
};

/*
 * Listen on a unix socket at path, created mode 0600. An existing socket
 * file nobody listens on is replaced; a live one, or anything that is not
 * a socket, is refused. Returns the fd or -errno (err says why).
 */
int api_unix_listen(const char *path, struct api_sock_file *sf, char *err,
		    size_t errlen);
/* Remove the socket file if it is still the one we created. */
void api_unix_unlink(struct api_sock_file *sf);

/*
 * Listen on "host:port" ("[v6]:port"; literal addresses only, port 0
 * picks one). Returns the fd or -errno; *port receives the bound port.
 */
int api_tcp_listen(const char *spec, uint16_t *port, bool *loopback, char *err,
		   size_t errlen);

/*
 * Read a bearer token: the file must be a regular file not readable by
 * group or others; surrounding whitespace is dropped; at least
 * API_TOKEN_MIN characters. *out is malloc'd.
 */
#define API_TOKEN_MIN 16
int api_token_load(const char *path, char **out, char *err, size_t errlen);

/*
 * Does an Authorization header value carry this token ("Bearer <token>")?
 * Time depends only on the token's length, never on where they differ.
 */
bool api_token_check(const char *token, const char *authorization);

/* Read a whole small file (certificates) into a NUL-terminated buffer. */
int api_file_slurp(const char *path, size_t max, char **out, char *err,
		   size_t errlen);

#endif

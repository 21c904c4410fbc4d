// SPDX-License-Identifier: GPL-2.0-only
/*
 * The frr.conf patcher: find the managed block's two marker lines, put the
 * rendered block between them (or at the end), and replace the file only
 * when that changed, atomically, its previous bytes kept in FILE.bak.
 * Several blocks (vrrp, bgp) share one frr.conf: each is found by its own
 * markers, so patching one leaves the others as bytes outside it.
 */
#include "cmd/vrrp/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/file.h"

/* A file bigger than this is not an frr.conf. */
#define VR_FRR_MAX_BYTES (64u << 20)

const struct vr_frr_block vr_frr_vrrp = {VR_FRR_BEGIN, VR_FRR_END, "vrrp"};
const struct vr_frr_block vr_frr_bgp = {VR_FRR_BGP_BEGIN, VR_FRR_BGP_END,
					"bgp"};

struct marker_scan {
	size_t n_begin, n_end;
	size_t begin_at, begin_line; /* the first begin marker */
	size_t end_at, end_stop;     /* the first end marker: start, end */
	size_t end_line;
	size_t line2[2]; /* lines of the second begin and end, for messages */
};

/* Is [s, s + n) the marker line m, allowing trailing blanks and a CR? */
static bool is_marker(const char *s, size_t n, const char *m)
{
	size_t ml = strlen(m);

	if (n < ml || memcmp(s, m, ml))
		return false;
	for (size_t i = ml; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static void scan(const struct vr_frr_block *k, const char *t, size_t len,
		 struct marker_scan *m)
{
	size_t at = 0, line = 1;

	memset(m, 0, sizeof(*m));
	while (at < len) {
		const char *nl = memchr(t + at, '\n', len - at);
		size_t stop = nl ? (size_t)(nl - t) : len;

		if (is_marker(t + at, stop - at, k->begin)) {
			if (!m->n_begin++) {
				m->begin_at = at;
				m->begin_line = line;
			} else if (!m->line2[0]) {
				m->line2[0] = line;
			}
		} else if (is_marker(t + at, stop - at, k->end)) {
			if (!m->n_end++) {
				m->end_at = at;
				m->end_stop = stop;
				m->end_line = line;
			} else if (!m->line2[1]) {
				m->line2[1] = line;
			}
		}
		at = stop + 1;
		line++;
	}
}

int vr_frr_splice(const struct vr_frr_block *k, const char *old, size_t old_len,
		  const char *block, size_t block_len, char **out,
		  size_t *out_len, char *err, size_t errlen)
{
	struct marker_scan m;
	size_t head, tail, sep;
	char *b;

	*out = NULL;
	*out_len = 0;
	scan(k, old, old_len, &m);
	if (m.n_begin > 1 || m.n_end > 1) {
		snprintf(
		    err, errlen,
		    "line %zu: a second '%s managed %s block' line (the first "
		    "is line %zu); keep one begin and one end marker, or "
		    "remove every marker line to have the block appended",
		    m.n_begin > 1 ? m.line2[0] : m.line2[1],
		    m.n_begin > 1 ? "begin" : "end", k->name,
		    m.n_begin > 1 ? m.begin_line : m.end_line);
		return -EINVAL;
	}
	if (m.n_begin != m.n_end) {
		snprintf(err, errlen,
			 "line %zu has the %s marker but no line has the %s "
			 "marker ('%s'); add it where the block ends, or "
			 "remove the other to have the block appended",
			 m.n_begin ? m.begin_line : m.end_line,
			 m.n_begin ? "begin" : "end",
			 m.n_begin ? "end" : "begin",
			 m.n_begin ? k->end : k->begin);
		return -EINVAL;
	}
	if (m.n_begin && m.end_at < m.begin_at) {
		snprintf(
		    err, errlen,
		    "the end marker (line %zu) comes before the begin "
		    "marker (line %zu); put the block's lines between them "
		    "in that order, or remove both to have the block "
		    "appended",
		    m.end_line, m.begin_line);
		return -EINVAL;
	}
	if (m.n_begin) {
		/* The end marker line without its newline: what follows,
		 * newline or not, stays as it is. */
		head = m.begin_at;
		tail = m.end_stop;
		if (tail - head == block_len &&
		    !memcmp(old + head, block, block_len))
			return VR_SPLICE_UNCHANGED;
		sep = 0;
	} else {
		head = tail = old_len;
		sep = old_len && old[old_len - 1] != '\n';
	}
	*out_len = head + sep + block_len + (old_len - tail) + !m.n_begin;
	b = malloc(*out_len + 1);
	if (!b)
		return -ENOMEM;
	memcpy(b, old, head);
	if (sep)
		b[head] = '\n';
	memcpy(b + head + sep, block, block_len);
	if (m.n_begin)
		memcpy(b + head + block_len, old + tail, old_len - tail);
	else
		b[head + sep + block_len] = '\n';
	b[*out_len] = 0;
	*out = b;
	return m.n_begin ? VR_SPLICE_REPLACED : VR_SPLICE_APPENDED;
}

/* The lines of [t, t + n) as (start, length) pairs; *n_out of them. */
static size_t (*split_lines(const char *t, size_t n, size_t *n_out))[2]
{
	size_t(*lines)[2] = calloc(n + 1, sizeof(*lines));
	size_t k = 0, at = 0;

	*n_out = 0;
	if (!lines)
		return NULL;
	while (at < n) {
		const char *nl = memchr(t + at, '\n', n - at);
		size_t stop = nl ? (size_t)(nl - t) : n;

		lines[k][0] = at;
		lines[k++][1] = stop - at;
		at = stop + 1;
	}
	*n_out = k;
	return lines;
}

static void print_lines(FILE *f, char mark, const char *t, size_t (*l)[2],
			size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		fprintf(f, "%c%.*s\n", mark, (int)l[i][1], t + l[i][0]);
}

void vr_print_block_diff(const struct vr_frr_block *k, FILE *f,
			 const char *path, const char *old, size_t old_len,
			 const char *block, size_t block_len)
{
	struct marker_scan m;
	size_t(*a)[2], (*b)[2];
	const char *o = "";
	size_t na, nb, pre = 0, suf = 0;

	scan(k, old, old_len, &m);
	if (m.n_begin == 1 && m.n_end == 1 && m.begin_at < m.end_at) {
		o = old + m.begin_at;
		old_len = m.end_stop - m.begin_at;
	} else {
		old_len = 0;
	}
	a = split_lines(o, old_len, &na);
	b = split_lines(block, block_len, &nb);
	if (!a || !b)
		goto out;
	/* Lines both have at the start and at the end; the rest changed. */
	while (pre < na && pre < nb && a[pre][1] == b[pre][1] &&
	       !memcmp(o + a[pre][0], block + b[pre][0], a[pre][1]))
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	       a[na - 1 - suf][1] == b[nb - 1 - suf][1] &&
	       !memcmp(o + a[na - 1 - suf][0], block + b[nb - 1 - suf][0],
		       a[na - 1 - suf][1]))
		suf++;
	fprintf(f, "--- %s (managed %s block)\n+++ %s (as rendered)\n", path,
		k->name, path);
	print_lines(f, ' ', o, a, 0, pre);
	print_lines(f, '-', o, a, pre, na - suf);
	print_lines(f, '+', block, b, pre, nb - suf);
	print_lines(f, ' ', o, a, na - suf, na);
out:
	free(a);
	free(b);
}

int vr_frr_patch_file(const struct vr_frr_block *k, const char *path,
		      const char *block, size_t block_len,
		      const struct vr_patch_opts *o, FILE *report, char *err,
		      size_t errlen)
{
	char *old = NULL, *new = NULL, *bak = NULL, *real = NULL;
	size_t old_len, new_len;
	struct stat st;
	int ret, what;

	if (stat(path, &st)) {
		ret = -errno;
		snprintf(err, errlen,
			 "%s: %s; name the frr.conf FRR reads (e.g. "
			 "/etc/frr/frr.conf)",
			 path, strerror(-ret));
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	ret = lb_read_file(path, VR_FRR_MAX_BYTES, &old, &old_len);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = vr_frr_splice(k, old, old_len, block, block_len, &new, &new_len,
			    err, errlen);
	if (ret == -EINVAL) {
		/* Say which file: the message names only the line. */
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s:%s; nothing was changed", path, why);
	} else if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	}
	if (ret < 0)
		goto out;
	what = ret;
	if (o->diff && what != VR_SPLICE_UNCHANGED)
		vr_print_block_diff(k, report, path, old, old_len, block,
				    block_len);
	if (what == VR_SPLICE_UNCHANGED) {
		fprintf(report,
			"%s: unchanged (the managed %s block is up to date)\n",
			path, k->name);
		goto out;
	}
	if (o->dry_run) {
		fprintf(report,
			"%s: would %s the managed %s block (dry run, "
			"nothing written)\n",
			path, what == VR_SPLICE_APPENDED ? "append" : "replace",
			k->name);
		goto out;
	}
	/*
	 * A symlinked frr.conf stays a link: the file it points to is the
	 * one replaced, and its backup lies beside it.
	 */
	real = realpath(path, NULL);
	if (!real) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		goto out;
	}
	if (asprintf(&bak, "%s.bak", real) < 0) {
		bak = NULL;
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		goto out;
	}
	/* The backup first: once FILE changes, FILE.bak is its past. */
	ret = lb_write_file_like(bak, old, old_len, st.st_mode, st.st_uid,
				 st.st_gid);
	if (ret) {
		snprintf(err, errlen,
			 "%s: writing the backup: %s; nothing was changed", bak,
			 strerror(-ret));
		goto out;
	}
	ret = lb_write_file_like(real, new, new_len, st.st_mode, st.st_uid,
				 st.st_gid);
	if (ret) {
		snprintf(err, errlen, "%s: %s; the file is as it was", path,
			 strerror(-ret));
		goto out;
	}
	fprintf(report,
		"%s: %s the managed %s block (previous content in %s)\n", path,
		what == VR_SPLICE_APPENDED ? "appended" : "replaced", k->name,
		bak);
	ret = what;
out:
	free(old);
	free(new);
	free(bak);
	free(real);
	return ret;
}

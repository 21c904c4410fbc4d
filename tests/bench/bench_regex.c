// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the worst body_regex patterns the loader accepts cost glibc: regcomp
 * time, regexec time over a body that does not match, and the peak memory
 * of a process doing both. Each pattern runs in its own child so the peak
 * is its own. Usage: bench_regex [BODY_BYTES] [PATTERN...]
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/regex_cost.h"

/* The most expensive accepted shapes found by searching families of
 * patterns up to the limits (bounded repeats of '.', '.?', '.*', groups,
 * alternations, nested repeats). */
static const char *const worst[] = {
    ".{0,255}.{0,255}.{0,255}.{0,255}Z",
    "((.?){0,15}){0,8}((.?){0,15}){0,8}((.?){0,15}){0,8}((.?){0,15}){0,8}Z",
    "((.?.?)){0,146}((.?.?)){0,146}Z",
    "((.?.?)){0,73}((.?.?)){0,73}((.?.?)){0,73}((.?.?)){0,73}Z",
    "((.*)?){0,85}((.*)?){0,85}((.*)?){0,85}((.*)?){0,85}Z",
    "(.?){0,255}Z",
};

static double ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 +
	       (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static int one(const char *pat, size_t body_len)
{
	struct cfg_regex_cost rc;
	struct timespec t;
	double comp, exec;
	char *body;
	regex_t re;
	int r;

	cfg_regex_cost(pat, &rc);
	body = malloc(body_len + 1);
	if (!body)
		return 1;
	/* Lines of text that never match the final 'Z'. */
	for (size_t i = 0; i < body_len; i++)
		body[i] = "abcdefghij\n"[i % 11];
	body[body_len] = 0;
	clock_gettime(CLOCK_MONOTONIC, &t);
	r = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
	comp = ms_since(&t);
	if (r) {
		printf("%-40.40s regcomp failed (%d)\n", pat, r);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	r = regexec(&re, body, 0, NULL, 0);
	exec = ms_since(&t);
	printf("%-40.40s verdict %d size %5llu  regcomp %8.2f ms  regexec "
	       "%8.2f ms",
	       pat, rc.verdict, (unsigned long long)rc.size, comp, exec);
	fflush(stdout);
	regfree(&re);
	free(body);
	return 0;
}

int main(int argc, char **argv)
{
	size_t body = argc > 1 ? strtoul(argv[1], NULL, 0) : 65536;
	const char *const *pats =
	    argc > 2 ? (const char *const *)argv + 2 : worst;
	size_t n =
	    argc > 2 ? (size_t)(argc - 2) : sizeof(worst) / sizeof(*worst);
	int status = 0;

	printf("body %zu bytes; limits: %d characters, counts <= %d, nested "
	       "<= %d, size <= %d\n",
	       body, CFG_REGEX_MAX_LEN, CFG_REGEX_MAX_COUNT,
	       CFG_REGEX_MAX_NESTED, CFG_REGEX_MAX_SIZE);
	for (size_t i = 0; i < n; i++) {
		struct rusage ru;
		int st;
		pid_t pid;

		fflush(stdout); /* or the child prints it again */
		pid = fork();
		if (pid < 0)
			return 1;
		if (!pid)
			_exit(one(pats[i], body));
		if (wait4(pid, &st, 0, &ru) < 0)
			return 1;
		printf("  peak %6ld KiB\n", ru.ru_maxrss);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			status = 1;
	}
	return status;
}

// SPDX-License-Identifier: GPL-2.0
/* usage: devnull-pwrite N - N one-byte pwrite()s to /dev/null; prints
 * "devnull N NS". The deny hook sits on every process's file I/O: this is
 * what it costs those who never touch vfio. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 0) : 100000;
	struct timespec a, b;
	char c = 0;
	int fd = open("/dev/null", O_WRONLY);

	if (fd < 0) {
		perror("devnull-pwrite: open /dev/null");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		if (pwrite(fd, &c, 1, 0) != 1) {
			perror("devnull-pwrite: pwrite");
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("devnull %ld %lld\n", n,
	       (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
	return 0;
}

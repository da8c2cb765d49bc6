// SPDX-License-Identifier: GPL-2.0
/* A VFIO user the way a hypervisor is one: container, IOMMU group, device
 * fd, config space through the config region with pread/pwrite. Runs a
 * script of operations on one open device, because vfio rebuilds its
 * virtual config space each time the device is opened.
 *
 * usage: vfio-client DDDD:BB:DD.F OP...
 *   r1|r2|r4 OFF          read, print "rW OFF VALUE"
 *   w1|w2|w4 OFF VALUE    write (one pwrite of W bytes); print "wW OFF VALUE rc"
 *   wro2 OFF VALUE        a word write from a read-only page: no filter can
 *                         rewrite it (the rewrite fails); print "wro2 OFF VALUE rc"
 *   wmf2 OFF VALUE        a word write whose buffer is a MAP_SHARED mapping of
 *                         a memfd page filled through the memfd's fd and never
 *                         touched through the mapping (not in the writer's page
 *                         tables: a fault-free read of it fails, the kernel's
 *                         copy faults it in); print "wmf2 OFF VALUE rc"
 *   wvn N OFF VALUE       pwritev of N iovecs: N-1 empty ones, then one with
 *                         the 2-byte VALUE; print "wvn N OFF VALUE rc"
 *   wb OFF HEXBYTES       write the bytes in one pwrite
 *   rb OFF LEN            read LEN bytes, print them as hex
 *   loop N w2 OFF V1 V2   N word writes alternating V1, V2; print elapsed ns
 *                         and how many a deny rule refused
 *   forkw N OFF VALUE     N writers: fork N children one after another (none
 *                         overlaps: see README, the recursion guard), each one
 *                         word pwrite of VALUE on the inherited device fd,
 *                         then exit; print "forkw N ok K failed F"
 *   parw P W OFF VALUE    P writers at once: fork P children, each W word
 *                         pwrites of VALUE on the inherited device fd (on a
 *                         preemptible kernel, writers preempted inside the
 *                         filter's programs); print "parw P W ok K failed F"
 *                         (K + F = P * W writes)
 *   p1|p2|p4 OFF          read the physical register through sysfs config,
 *                         print "pW OFF VALUE" (while the device is open:
 *                         vfio restores config space when it is closed)
 *   P1|P2|P4 OFF VALUE    write it through sysfs config, as root on the host
 *                         would; print "PW OFF VALUE ok|error"
 *   ecam2|ecam4 OFF       read the physical register through ECAM: a load from
 *                         /dev/mem mapped at the "PCI MMCONFIG" ("PCI ECAM")
 *                         range of /proc/iomem, past every kernel PCI config accessor
 *                         (the guest needs iomem=relaxed); print "eW OFF VALUE"
 *   reset                 VFIO_DEVICE_RESET; print "reset ok|error"
 *   sh CMD                run CMD with /bin/sh while the device stays open
 *                         (load a filter under an open device); print
 *                         "sh EXIT"
 *   lw OFF HEX            lseek to OFF, then write() the bytes
 *   wv OFF HEX,HEX,...    pwritev, one iovec per comma-separated chunk
 *   wv2 OFF HEX,HEX,...   pwritev2 (flags 0), likewise
 *   uw|uwa OFF HEX        io_uring IORING_OP_WRITE; uwa forces it onto an
 *                         io-wq worker thread (IOSQE_ASYNC)
 *   uwv|uwva OFF HEX,...  io_uring IORING_OP_WRITEV, likewise (built without
 *                         liburing, -DVC_NO_URING as the 32-bit client is, the
 *                         io_uring ops print "OP OFF io_uring not built in")
 *   race N OFF BIT        N word writes of one shared buffer at OFF while
 *                         a second thread flips BIT in it; after each,
 *                         read the physical register (sysfs) and count the
 *                         writes where BIT reached hardware changed ("won"),
 *                         restoring it through sysfs; print "race N won W"
 *   exp                   print the PCIe capability offset
 * OFF is a number or exp+N: N bytes into the PCIe capability, found by
 * walking the capability list through vfio.
 * The same source builds as a static i386 program (build/vfio-client32):
 * its pwrite/pwritev are the 32-bit compat system calls. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#ifndef VC_NO_URING
#include <liburing.h>
#endif
#include <pthread.h>
#include <linux/vfio.h>

static int dev_fd;
static const char *dev_bdf;
static uint64_t cfg_base;
static uint32_t cfg_size;

static void die(const char *what, const char *on)
{
	fprintf(stderr, "vfio-client: %s %s: %s\n", what, on, strerror(errno));
	exit(1);
}

static void open_device(const char *bdf)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	char link[PATH_MAX], path[PATH_MAX + 32], *grp;
	int container, group;
	ssize_t n;

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("open", "/dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("unexpected API version of", "/dev/vfio/vfio");
	if (!ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
		die("no type1v2 IOMMU in", "/dev/vfio/vfio");

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("readlink", path);
	link[n] = 0;
	grp = strrchr(link, '/') + 1;
	snprintf(path, sizeof(path), "/dev/vfio/%s", grp);
	group = open(path, O_RDWR);
	if (group < 0)
		die("open", path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs))
		die("VFIO_GROUP_GET_STATUS", path);
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		die("group not viable (bind every device to vfio-pci):", path);
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER", path);
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU", "/dev/vfio/vfio");
	dev_fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (dev_fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD", bdf);
	ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die("VFIO_DEVICE_GET_REGION_INFO config", bdf);
	cfg_base = ri.offset;
	cfg_size = ri.size;
}

static uint32_t cfg_read(uint32_t off, int width)
{
	uint32_t v = 0;

	if (pread(dev_fd, &v, width, cfg_base + off) != width)
		die("pread config", "");
	return v;
}

/* The capability list as the device's vfio view shows it. */
static uint32_t find_exp(void)
{
	uint32_t pos = cfg_read(0x34, 1) & 0xfc;

	for (int guard = 0; pos && guard < 48; guard++) {
		if (cfg_read(pos, 1) == 0x10)
			return pos;
		pos = cfg_read(pos + 1, 1) & 0xfc;
	}
	fprintf(stderr, "vfio-client: device has no PCIe capability\n");
	exit(1);
}

static uint32_t parse_off(const char *s)
{
	if (!strncmp(s, "exp+", 4))
		return find_exp() + strtoul(s + 4, NULL, 0);
	if (!strcmp(s, "exp"))
		return find_exp();
	return strtoul(s, NULL, 0);
}

/* "e072,00" -> iovecs {e0 72}, {00}; bytes live in one static buffer. */
static int parse_iov(const char *spec, struct iovec *iov, int max)
{
	static unsigned char bytes[8192];
	size_t used = 0;
	int n = 0;

	while (*spec && n < max) {
		const char *end = strchr(spec, ',');
		size_t len = (end ? (size_t)(end - spec) : strlen(spec)) / 2;
		if (used + len > sizeof(bytes))
			break;
		iov[n].iov_base = bytes + used;
		iov[n].iov_len = len;
		for (size_t k = 0; k < len; k++)
			sscanf(spec + 2 * k, "%2hhx", &bytes[used + k]);
		used += len;
		n++;
		spec = end ? end + 1 : spec + strlen(spec);
	}
	return n;
}

static const char *uring_write(uint64_t off, struct iovec *iov, int n, int vectored, int async)
{
#ifdef VC_NO_URING
	return "io_uring not built in";
#else
	static char msg[64];
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int res;

	if (io_uring_queue_init(4, &ring, 0) < 0)
		return "io_uring_queue_init failed";
	sqe = io_uring_get_sqe(&ring);
	if (vectored)
		io_uring_prep_writev(sqe, dev_fd, iov, n, off);
	else
		io_uring_prep_write(sqe, dev_fd, iov[0].iov_base, iov[0].iov_len, off);
	if (async)
		sqe->flags |= IOSQE_ASYNC;
	io_uring_submit(&ring);
	if (io_uring_wait_cqe(&ring, &cqe) < 0) {
		io_uring_queue_exit(&ring);
		return "io_uring_wait_cqe failed";
	}
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	if (res < 0)
		return strerror(-res);
	snprintf(msg, sizeof(msg), "ok %d", res);
	return msg;
#endif
}

/* The device's config space in ECAM, mapped from /dev/mem: the MMCONFIG
 * range /proc/iomem names ("b0000000-bfffffff : PCI MMCONFIG 0000 [bus
 * 00-ff]", "PCI ECAM 0000 ..." on newer kernels) plus bus << 20 |
 * dev << 15 | fn << 12. One page, mapped once. */
static volatile uint8_t *ecam_page(void)
{
	static volatile uint8_t *page;
	unsigned long long base = 0, end = 0;
	unsigned int seg, bus, dev, fn, bus0 = 0, b0, b1;
	char line[256];
	FILE *f;
	int fd;

	if (page)
		return page;
	if (sscanf(dev_bdf, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4) {
		fprintf(stderr, "vfio-client: cannot parse %s\n", dev_bdf);
		exit(1);
	}
	f = fopen("/proc/iomem", "r");
	if (!f)
		die("open", "/proc/iomem");
	while (fgets(line, sizeof(line), f)) {
		/* "PCI ECAM" since Linux 6.8 */
		char *m = strstr(line, "PCI MMCONFIG "), *e = strstr(line, "PCI ECAM ");
		unsigned int s;
		if (!m && e)
			m = e + strlen("PCI ECAM ");
		else if (m)
			m += strlen("PCI MMCONFIG ");
		if (!m || sscanf(line, " %llx-%llx", &base, &end) != 2 ||
		    sscanf(m, "%x [bus %x-%x]", &s, &b0, &b1) != 3 || s != seg ||
		    bus < b0 || bus > b1) {
			base = 0;
			continue;
		}
		bus0 = b0;
		break;
	}
	fclose(f);
	if (!base) {
		errno = ENOENT;
		die("no PCI MMCONFIG/ECAM range in /proc/iomem for", dev_bdf);
	}
	fd = open("/dev/mem", O_RDONLY | O_SYNC);
	if (fd < 0)
		die("open", "/dev/mem");
	page = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
		    (off_t)(base + ((unsigned long long)(bus - bus0) << 20 | dev << 15 | fn << 12)));
	if (page == MAP_FAILED)
		die("mmap /dev/mem (boot with iomem=relaxed) for", dev_bdf);
	close(fd);
	return page;
}

static volatile uint16_t race_buf;
static volatile int race_stop;
static uint16_t race_bit;

static void *race_flipper(void *arg)
{
	while (!race_stop)
		race_buf ^= race_bit;
	return NULL;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void need(int i, int n, int argc, const char *op)
{
	if (i + n >= argc) {
		fprintf(stderr, "vfio-client: %s needs %d arguments\n", op, n);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: vfio-client DDDD:BB:DD.F OP... (see the source header)\n");
		return 2;
	}
	dev_bdf = argv[1];
	open_device(argv[1]);
	for (int i = 2; i < argc; i++) {
		const char *op = argv[i];
		if (op[0] == 'r' && (op[1] == '1' || op[1] == '2' || op[1] == '4') && !op[2]) {
			need(i, 1, argc, op);
			uint32_t off = parse_off(argv[++i]);
			printf("%s 0x%03x 0x%0*x\n", op, off, (op[1] - '0') * 2, cfg_read(off, op[1] - '0'));
		} else if (op[0] == 'w' && (op[1] == '1' || op[1] == '2' || op[1] == '4') && !op[2]) {
			need(i, 2, argc, op);
			uint32_t off = parse_off(argv[++i]), v = strtoul(argv[++i], NULL, 0), buf = v;
			int w = op[1] - '0';
			/* a filter may rewrite buf in place: print what was asked */
			ssize_t n = pwrite(dev_fd, &buf, w, cfg_base + off);
			printf("%s 0x%03x 0x%0*x %s\n", op, off, w * 2, v, n == w ? "ok" : strerror(errno));
		} else if (!strcmp(op, "wro2")) {
			need(i, 2, argc, op);
			uint32_t off = parse_off(argv[++i]), v = strtoul(argv[++i], NULL, 0);
			uint16_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (page == MAP_FAILED)
				die("mmap", "");
			*page = v;
			if (mprotect(page, 4096, PROT_READ))
				die("mprotect", "");
			ssize_t n = pwrite(dev_fd, page, 2, cfg_base + off);
			printf("wro2 0x%03x 0x%04x %s\n", off, v, n == 2 ? "ok" : strerror(errno));
			munmap(page, 4096);
		} else if (!strcmp(op, "wmf2")) {
			need(i, 2, argc, op);
			uint32_t off = parse_off(argv[++i]), v = strtoul(argv[++i], NULL, 0);
			uint16_t b = v;
			int mfd = memfd_create("vfio-client-wmf2", 0);
			/* the page enters the page cache through the fd; the mapping
			 * is never touched, so no page table entry points at it */
			if (mfd < 0 || pwrite(mfd, &b, 2, 0) != 2 || ftruncate(mfd, 4096))
				die("memfd", "");
			void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
			if (page == MAP_FAILED)
				die("mmap", "memfd");
			ssize_t n = pwrite(dev_fd, page, 2, cfg_base + off);
			printf("wmf2 0x%03x 0x%04x %s\n", off, v, n == 2 ? "ok" : strerror(errno));
			munmap(page, 4096);
			close(mfd);
		} else if (!strcmp(op, "wvn")) {
			need(i, 3, argc, op);
			int cnt = strtol(argv[++i], NULL, 0);
			uint32_t off = parse_off(argv[++i]), v = strtoul(argv[++i], NULL, 0);
			static uint16_t b;
			static struct iovec iov[IOV_MAX];
			if (cnt < 1 || cnt > IOV_MAX) {
				fprintf(stderr, "vfio-client: wvn: N must be 1..%d\n", IOV_MAX);
				exit(2);
			}
			b = v;
			for (int k = 0; k < cnt - 1; k++)
				iov[k] = (struct iovec){ .iov_base = &b, .iov_len = 0 };
			iov[cnt - 1] = (struct iovec){ .iov_base = &b, .iov_len = 2 };
			ssize_t n = pwritev(dev_fd, iov, cnt, cfg_base + off);
			printf("wvn %d 0x%03x 0x%04x %s\n", cnt, off, v, n == 2 ? "ok" : strerror(errno));
		} else if (!strcmp(op, "ecam2") || !strcmp(op, "ecam4")) {
			need(i, 1, argc, op);
			uint32_t off = parse_off(argv[++i]), v;
			volatile uint8_t *page = ecam_page();
			if (off > 4096 - 4) {
				fprintf(stderr, "vfio-client: %s: offset 0x%x out of range\n", op, off);
				exit(2);
			}
			if (op[4] == '2')
				v = *(volatile uint16_t *)(page + (off & ~1u));
			else
				v = *(volatile uint32_t *)(page + (off & ~3u));
			printf("e%c 0x%03x 0x%0*x\n", op[4], off, (op[4] - '0') * 2, v);
		} else if (!strcmp(op, "wb")) {
			need(i, 2, argc, op);
			uint32_t off = parse_off(argv[++i]);
			const char *hex = argv[++i];
			size_t len = strlen(hex) / 2;
			unsigned char *b = malloc(len ? len : 1);
			for (size_t k = 0; k < len; k++)
				sscanf(hex + 2 * k, "%2hhx", &b[k]);
			ssize_t n = pwrite(dev_fd, b, len, cfg_base + off);
			printf("wb 0x%03x %zu %s\n", off, len, n == (ssize_t)len ? "ok" : strerror(errno));
			free(b);
		} else if (!strcmp(op, "rb")) {
			need(i, 2, argc, op);
			uint32_t off = parse_off(argv[++i]), len = strtoul(argv[++i], NULL, 0);
			unsigned char *b = calloc(1, len ? len : 1);
			if (pread(dev_fd, b, len, cfg_base + off) != (ssize_t)len)
				die("pread config", "");
			printf("rb 0x%03x ", off);
			for (uint32_t k = 0; k < len; k++)
				printf("%02x", b[k]);
			putchar('\n');
			free(b);
		} else if (!strcmp(op, "forkw")) {
			need(i, 3, argc, op);
			long n = strtol(argv[++i], NULL, 0), ok = 0, failed = 0, live = 0;
			uint32_t off = parse_off(argv[++i]);
			uint16_t v = strtoul(argv[++i], NULL, 0);
			int st;
			fflush(stdout);
			for (long k = 0; k < n || live; ) {
				if (k < n && live < 1) {
					pid_t pid = fork();
					if (pid < 0)
						die("fork", "");
					if (!pid) {
						uint16_t b = v;
						_exit(pwrite(dev_fd, &b, 2, cfg_base + off) == 2 ? 0 : 1);
					}
					k++;
					live++;
					continue;
				}
				if (wait(&st) < 0)
					die("wait", "");
				live--;
				if (WIFEXITED(st) && !WEXITSTATUS(st))
					ok++;
				else
					failed++;
			}
			printf("forkw %ld ok %ld failed %ld\n", n, ok, failed);
		} else if (!strcmp(op, "parw")) {
			need(i, 4, argc, op);
			long np = strtol(argv[++i], NULL, 0), nw = strtol(argv[++i], NULL, 0);
			long ok = 0, failed = 0;
			uint32_t off = parse_off(argv[++i]);
			uint16_t v = strtoul(argv[++i], NULL, 0);
			int pipefd[2];
			fflush(stdout);
			if (pipe(pipefd))
				die("pipe", "");
			for (long k = 0; k < np; k++) {
				pid_t pid = fork();
				if (pid < 0)
					die("fork", "");
				if (!pid) {
					long good[2] = { 0, 0 };
					uint16_t b;
					/* VALUE each time: a mask rewrites the buffer */
					for (long w = 0; w < nw; w++) {
						b = v;
						good[pwrite(dev_fd, &b, 2, cfg_base + off) == 2]++;
					}
					if (write(pipefd[1], good, sizeof(good)) != sizeof(good))
						_exit(2);
					_exit(0);
				}
			}
			close(pipefd[1]);
			for (long k = 0; k < np; k++) {
				long good[2];
				if (read(pipefd[0], good, sizeof(good)) != sizeof(good))
					die("read from a writer", "");
				failed += good[0];
				ok += good[1];
			}
			close(pipefd[0]);
			while (wait(NULL) > 0)
				;
			printf("parw %ld %ld ok %ld failed %ld\n", np, nw, ok, failed);
		} else if (!strcmp(op, "loop")) {
			need(i, 5, argc, op);
			long n = strtol(argv[++i], NULL, 0);
			i++; /* w2 */
			uint32_t off = parse_off(argv[++i]);
			uint16_t v[2] = { strtoul(argv[i + 1], NULL, 0), strtoul(argv[i + 2], NULL, 0) };
			i += 2;
			long long t0 = now_ns();
			long refused = 0;
			for (long k = 0; k < n; k++) {
				/* fresh buffer each time, as a hypervisor's is: the filter
				 * rewrites the caller's buffer in place */
				uint16_t b = v[k & 1];
				if (pwrite(dev_fd, &b, 2, cfg_base + off) == 2)
					continue;
				if (errno != EPERM)
					die("pwrite config", "");
				refused++; /* a deny rule: a guest retrying, as in a deny storm */
			}
			printf("loop %ld %lld refused %ld\n", n, now_ns() - t0, refused);
		} else if (op[0] == 'P' && (op[1] == '1' || op[1] == '2' || op[1] == '4') && !op[2]) {
			need(i, 2, argc, op);
			uint32_t off = parse_off(argv[++i]), v = strtoul(argv[++i], NULL, 0);
			int w = op[1] - '0', fd;
			char path[128];
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", dev_bdf);
			fd = open(path, O_WRONLY);
			ssize_t n = fd < 0 ? -1 : pwrite(fd, &v, w, off);
			printf("%s 0x%03x 0x%0*x %s\n", op, off, w * 2, v, n == w ? "ok" : strerror(errno));
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(op, "reset")) {
			printf("reset %s\n", ioctl(dev_fd, VFIO_DEVICE_RESET) ? strerror(errno) : "ok");
		} else if (!strcmp(op, "sh")) {
			need(i, 1, argc, op);
			fflush(stdout);
			int rc = system(argv[++i]);
			printf("sh %d\n", WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
		} else if (op[0] == 'p' && (op[1] == '1' || op[1] == '2' || op[1] == '4') && !op[2]) {
			need(i, 1, argc, op);
			uint32_t off = parse_off(argv[++i]), v = 0;
			char path[128];
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", dev_bdf);
			int fd = open(path, O_RDONLY);
			if (fd < 0 || pread(fd, &v, op[1] - '0', off) != op[1] - '0')
				die("read", path);
			close(fd);
			printf("%s 0x%03x 0x%0*x\n", op, off, (op[1] - '0') * 2, v);
		} else if (!strcmp(op, "lw") || !strcmp(op, "wv") || !strcmp(op, "wv2") ||
			   !strcmp(op, "uw") || !strcmp(op, "uwa") || !strcmp(op, "uwv") ||
			   !strcmp(op, "uwva")) {
			need(i, 2, argc, op);
			uint32_t off = parse_off(argv[++i]);
			struct iovec iov[16];
			int n = parse_iov(argv[++i], iov, 16);
			const char *res;
			ssize_t r = -1;
			if (!strcmp(op, "lw")) {
				if (lseek(dev_fd, cfg_base + off, SEEK_SET) >= 0)
					r = write(dev_fd, iov[0].iov_base, iov[0].iov_len);
			} else if (!strcmp(op, "wv")) {
				r = pwritev(dev_fd, iov, n, cfg_base + off);
			} else if (!strcmp(op, "wv2")) {
				r = pwritev2(dev_fd, iov, n, cfg_base + off, 0);
			}
			if (op[0] == 'u')
				res = uring_write(cfg_base + off, iov, n, op[2] == 'v',
						  op[strlen(op) - 1] == 'a');
			else
				res = r >= 0 ? "ok" : strerror(errno);
			printf("%s 0x%03x %s\n", op, off, res);
		} else if (!strcmp(op, "race")) {
			need(i, 3, argc, op);
			long n = strtol(argv[++i], NULL, 0), won = 0;
			uint32_t off = parse_off(argv[++i]);
			char path[128];
			uint16_t orig = 0, hw = 0;
			pthread_t t;
			race_bit = strtoul(argv[++i], NULL, 0);
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", dev_bdf);
			int cfg = open(path, O_RDWR);
			if (cfg < 0 || pread(cfg, &orig, 2, off) != 2)
				die("open", path);
			race_buf = orig;
			pthread_create(&t, NULL, race_flipper, NULL);
			for (long k = 0; k < n; k++) {
				if (pwrite(dev_fd, (void *)&race_buf, 2, cfg_base + off) != 2)
					die("pwrite config", "");
				if (pread(cfg, &hw, 2, off) != 2)
					die("pread", path);
				if ((hw ^ orig) & race_bit) {
					won++;
					if (pwrite(cfg, &orig, 2, off) != 2)
						die("restore through", path);
				}
			}
			race_stop = 1;
			pthread_join(t, NULL);
			close(cfg);
			printf("race %ld won %ld\n", n, won);
		} else if (!strcmp(op, "exp")) {
			printf("exp 0x%03x\n", find_exp());
		} else {
			fprintf(stderr, "vfio-client: unknown op '%s'\n", op);
			return 2;
		}
		fflush(stdout);
	}
	return 0;
}

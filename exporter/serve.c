// SPDX-License-Identifier: GPL-2.0
/* cfgfilter-exporter: /metrics over HTTP (libmicrohttpd), and every event
 * as a JSON line on stdout (and, under systemd, in the journal with fields).
 * It opens what it reads as root, then runs as an unprivileged user with
 * only CAP_BPF (the bpf() calls on those descriptors need it): no pin can
 * be opened, maps are read-only but the ring buffer, so it can neither
 * change the policy nor detach anything. */
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <grp.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>
#include "exporter.h"
#include "event_fmt.h"
#include "log.h"
#include "observer.h"
#include "probes.h"
#include "vm_name.h"

#define CF_EXPORTER_DEFAULT "127.0.0.1:9862"

static struct cf_observer obs;
static pthread_mutex_t obs_lock = PTHREAD_MUTEX_INITIALIZER; /* obs vs its release */
static atomic_ullong events_read;
static volatile sig_atomic_t stop;
static bool to_journal;
static long long boot_to_real_ns;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **state)
{
	static int first;
	static char not_found[] = "not found: the metrics are at /metrics\n";
	static char not_allowed[] = "only GET and HEAD\n";
	static char too_large[] = "no request body is accepted\n";
	static char index_page[] = "cfgfilter exporter: /metrics\n";
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)cls;
	(void)version;
	(void)upload_data;
	if (!*state) { /* headers only so far: come back for the body */
		*state = &first;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* drain; answered when the body is complete */
		*state = &not_allowed;
		return MHD_YES;
	}
	if (*state == &not_allowed)
		return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "text/plain", too_large,
			     sizeof(too_large) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
			     sizeof(not_allowed) - 1, MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/plain", index_page, sizeof(index_page) - 1,
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof(not_found) - 1,
			     MHD_RESPMEM_PERSISTENT);
	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	pthread_mutex_lock(&obs_lock);
	cf_observer_metrics(&obs, f, true, atomic_load(&events_read));
	pthread_mutex_unlock(&obs_lock);
	fclose(f);
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len,
		     MHD_RESPMEM_MUST_FREE);
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct cf_event *e = data;
	char line[2048], vm[CF_VM_LEN], comm[CF_COMM_LEN + 1] = "";

	(void)ctx;
	if (size < sizeof(*e))
		return 0;
	memcpy(comm, e->comm, CF_COMM_LEN);
	cf_vm_resolve_locked(e->pid, comm, vm, sizeof(vm));
	cf_event_json(e, NULL, boot_to_real_ns, vm, line, sizeof(line));
	puts(line);
	fflush(stdout);
	if (to_journal) {
		char dev[CF_DEV_LEN + 1] = "";

		memcpy(dev, e->dev, CF_DEV_LEN);
		sd_journal_send("MESSAGE=cfgfilter: %s wrote %s offset 0x%03x: %s", vm, dev,
				e->offset, line, "PRIORITY=%d", e->flags & CF_EV_RACE ? 3 : 5,
				"CFGFILTER_DEVICE=%s", dev, "CFGFILTER_VM=%s", vm,
				"CFGFILTER_PID=%u", e->pid, "CFGFILTER_COMM=%s", comm,
				"CFGFILTER_OFFSET=0x%03x", e->offset, "CFGFILTER_ACTION=%u", e->action,
				"CFGFILTER_REQUESTED=0x%x", e->requested, "CFGFILTER_APPLIED=0x%x",
				e->applied, "CFGFILTER_BITS=0x%x", e->bits, "CFGFILTER_EVENT=%s", line,
				NULL);
	}
	atomic_fetch_add(&events_read, 1);
	return 0;
}

static int parse_listen(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, colon - s);
	host[colon - s] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* Become `user`, keeping CAP_BPF only. */
static int drop_root(const char *user)
{
	struct passwd *pw = getpwnam(user);
	cap_value_t keep[] = { CAP_BPF };
	cap_t caps;

	if (!pw)
		return cf_err("no user '%s'; create it or pass --user", user);
	if (!pw->pw_uid)
		return cf_err("--user %s is root; name an unprivileged user", user);
	if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(0, NULL) || setgid(pw->pw_gid) ||
	    setuid(pw->pw_uid))
		return cf_err("cannot become %s: %s", user, strerror(errno));
	caps = cap_init();
	if (!caps || cap_set_flag(caps, CAP_PERMITTED, 1, keep, CAP_SET) ||
	    cap_set_flag(caps, CAP_EFFECTIVE, 1, keep, CAP_SET) || cap_set_proc(caps)) {
		if (caps)
			cap_free(caps);
		return cf_err("cannot keep CAP_BPF as %s: %s", user, strerror(errno));
	}
	cap_free(caps);
	if (prctl(PR_SET_KEEPCAPS, 0) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return cf_err("cannot lock privileges: %s", strerror(errno));
	return 0;
}

int cf_exporter_run(const struct cf_parsed *p)
{
	const char *listen = cf_cli_opt(p, "listen"), *user = cf_cli_opt(p, "user");
	struct MHD_Daemon *d;
	struct ring_buffer *rb;
	struct sockaddr_in sa;
	int ret = 0;

	listen = listen ? listen : CF_EXPORTER_DEFAULT;
	user = user ? user : "nobody";
	if (parse_listen(listen, &sa)) {
		cf_err("--listen takes IPV4:PORT (e.g. %s), not '%s'", CF_EXPORTER_DEFAULT, listen);
		return CF_EXIT_USAGE;
	}
	if (cf_need_root())
		return 1;
	if (cf_observer_open(&obs, true))
		return CF_EXIT_NOT_LOADED;
	rb = ring_buffer__new(obs.events, on_event, NULL, NULL);
	if (!rb) {
		cf_observer_close(&obs);
		return cf_err("cannot read the event ring buffer: %s", strerror(errno));
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     on_request, NULL, MHD_OPTION_SOCK_ADDR, &sa,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)32,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_END);
	if (!d) {
		ring_buffer__free(rb);
		cf_observer_close(&obs);
		return cf_err("cannot listen on %s: %s", listen, strerror(errno));
	}
	if (drop_root(user)) {
		MHD_stop_daemon(d);
		ring_buffer__free(rb);
		cf_observer_close(&obs);
		return 1;
	}
	to_journal = getenv("JOURNAL_STREAM") != NULL;
	boot_to_real_ns = cf_clock_ns(CLOCK_REALTIME) - cf_clock_ns(CLOCK_BOOTTIME);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "cfgfilter-exporter: serving http://%s/metrics as %s; events on stdout\n", listen,
		user);
	while (!stop) {
		bool loaded;
		int n = rb ? ring_buffer__poll(rb, 500) : usleep(500000);

		if (rb && n < 0 && n != -EINTR) {
			ret = cf_err("reading events failed: %s", strerror(-n));
			break;
		}
		loaded = cf_observer_loaded(&obs);
		if (rb && !loaded) {
			/* unloaded: let go of its programs and maps, serve cfgfilter_up 0 */
			pthread_mutex_lock(&obs_lock);
			ring_buffer__free(rb);
			rb = NULL;
			cf_observer_release(&obs);
			pthread_mutex_unlock(&obs_lock);
			cf_err("the filter was unloaded; serving cfgfilter_up 0 until it is "
			       "loaded again");
		} else if (!rb && loaded) {
			/* without root it cannot open the new pins: a restart (the service
			 * manager's) serves the new filter */
			cf_err("a filter was loaded again; exiting so a restart "
			       "serves it");
			break;
		}
	}
	MHD_stop_daemon(d);
	ring_buffer__free(rb);
	cf_observer_close(&obs);
	return ret;
}

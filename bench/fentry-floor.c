// SPDX-License-Identifier: GPL-2.0
/* usage: fentry-floor OBJ PIN  - load OBJ's program, attach it, pin the link
 * at PIN and exit (rm PIN detaches). Benchmark use only. */
#include <stdio.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;

	if (argc != 3) {
		fprintf(stderr, "usage: fentry-floor OBJ PIN\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "fentry-floor: cannot load %s\n", argv[1]);
		return 1;
	}
	prog = bpf_object__next_program(obj, NULL);
	link = prog ? bpf_program__attach(prog) : NULL;
	if (!link || bpf_link__pin(link, argv[2])) {
		fprintf(stderr, "fentry-floor: cannot attach and pin at %s\n", argv[2]);
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* usage: fentry-floor OBJ PROG PIN - load OBJ, attach its program PROG, pin
 * the link at PIN and exit (rm PIN detaches). Benchmark use only. */
#include <stdio.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;

	if (argc != 4) {
		fprintf(stderr, "usage: fentry-floor OBJ PROG PIN\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "fentry-floor: cannot load %s\n", argv[1]);
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, argv[2]);
	link = prog ? bpf_program__attach(prog) : NULL;
	if (!link || bpf_link__pin(link, argv[3])) {
		fprintf(stderr, "fentry-floor: cannot attach %s and pin at %s\n", argv[2], argv[3]);
		return 1;
	}
	return 0;
}

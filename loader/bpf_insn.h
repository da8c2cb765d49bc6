/* SPDX-License-Identifier: GPL-2.0 */
/* The few instruction builders the helper probe needs (the kernel's
 * filter.h macros are not in the uapi headers). */
#ifndef CF_BPF_INSN_H
#define CF_BPF_INSN_H

#include <linux/bpf.h>

#define BPF_ST_MEM(SIZE, DST, OFF, IMM) \
	((struct bpf_insn){ .code = BPF_ST | BPF_SIZE(SIZE) | BPF_MEM, .dst_reg = DST, \
			    .src_reg = 0, .off = OFF, .imm = IMM })
#define BPF_MOV64_IMM(DST, IMM) \
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = DST, .src_reg = 0, \
			    .off = 0, .imm = IMM })
#define BPF_MOV64_REG(DST, SRC) \
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = DST, .src_reg = SRC, \
			    .off = 0, .imm = 0 })
#define BPF_ALU64_IMM(OP, DST, IMM) \
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_OP(OP) | BPF_K, .dst_reg = DST, \
			    .src_reg = 0, .off = 0, .imm = IMM })
#define BPF_EMIT_CALL(FUNC) \
	((struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .dst_reg = 0, .src_reg = 0, .off = 0, \
			    .imm = FUNC })
#define BPF_EXIT_INSN() \
	((struct bpf_insn){ .code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, \
			    .imm = 0 })

#endif

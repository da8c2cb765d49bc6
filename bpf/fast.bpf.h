/* SPDX-License-Identifier: GPL-2.0 */
/* The hot paths' copies (include/cf_fast.h). An access no rule covers
 * should cost little more than the trampoline. Under TCG a map lookup or a
 * task-storage lookup costs about as much as an empty program (bench: the
 * building blocks), so what these paths need lives in one page, read with
 * plain loads:
 *  - the write path: does this write touch a dword of the device's plan?
 *  - the bus hooks: is this dword of this device followed at all?
 * The maps stay the truth; a copy counts only while
 *  - its epoch is the current one: whatever changes the answer bumps the
 *    epoch after the change (a device's open and close for plans; for the
 *    bus hooks a compile following more dwords, an open or a seed widening
 *    a device, a device newly watched), and a copy is filled with the
 *    epoch read before the map was; a new policy changes live_hash;
 *  - its slot's sequence is even and unchanged across the read: a fill
 *    takes the slot with compare-and-swap, so no reader takes half a copy.
 * Slots are direct-mapped: a device another one evicts takes the map path
 * until it is copied back. Accesses beyond the copies' first KiB take it
 * always. The bus hooks run under pci_lock, which orders every fill and
 * read of the watch copies with the accesses themselves. */
#ifndef CF_FAST_BPF_H
#define CF_FAST_BPF_H

/* The only .bss variable: at the start of the map's page-aligned value. */
struct cf_fast cf_fast;

#define cf_read_once(x) (*(volatile typeof(x) *)&(x))

static __always_inline __u32 cf_fast_slot(__u64 key)
{
	return (__u32)((key * 0x9E3779B97F4A7C15ull) >> 59) & (CF_FAST_SLOTS - 1);
}

/* Take a slot for a fill: 0 with the sequence made odd, else someone else
 * is filling it (nothing is lost by leaving it to them). */
static __always_inline int cf_fast_take(__u32 *seq)
{
	__u32 s = cf_read_once(*seq);

	if (s & 1 || __sync_val_compare_and_swap(seq, s, s + 1) != s)
		return -1;
	return 0;
}

static __always_inline void cf_fast_release(__u32 *seq)
{
	__sync_fetch_and_add(seq, 1);
}

/* Does the write [pos, pos + count) to vfio device `vdev` touch a dword
 * of its plan for the live policy? GO also for writes the copy cannot
 * answer (beyond its range, over more than two dwords). */
static __always_inline int fast_plan(__u64 vdev, __u64 pos, __u64 count)
{
	struct cf_fast_plan *e = &cf_fast.plans[cf_fast_slot(vdev)];
	__u32 seq = cf_read_once(e->seq);
	int answer;

	barrier();
	if (seq & 1 || e->epoch != cf_read_once(cf_fast.plan_epoch) || e->vdev != vdev ||
	    e->hash != cf_read_once(cf_fast.live_hash))
		return CF_FAST_MISS;
	answer = cf_fast_plan_answer(e->dwords, pos, count);
	barrier();
	if (cf_read_once(e->seq) != seq)
		return CF_FAST_MISS;
	return answer;
}

/* Copy the plan of vfio device `vdev` that decides for the live policy;
 * `epoch` was read before the plan was looked up or compiled. */
static __always_inline void fast_plan_fill(__u64 vdev, const struct cf_plan *p, __u32 epoch)
{
	struct cf_fast_plan *e = &cf_fast.plans[cf_fast_slot(vdev)];

	if (cf_fast_take(&e->seq))
		return;
	e->epoch = epoch;
	e->vdev = vdev;
	e->hash = p->hash;
	for (int i = 0; i < CF_FAST_DWORDS / 64; i++)
		e->dwords[i] = p->dwords[i];
	cf_fast_release(&e->seq);
}

/* Every plan copy is void: a device was opened or closed, and the next
 * open may reuse its vconfig address. */
static __always_inline void fast_plans_void(void)
{
	__sync_fetch_and_add(&cf_fast.plan_epoch, 1);
}

/* The first argument (the vfio device, the bus) as a number: read through
 * the helper, which the verifier inlines; read as an argument it is a
 * pointer, which allows no arithmetic, and dereferencing it would touch one
 * more page. */
static __always_inline __u64 cf_arg0(void *ctx)
{
	__u64 v = 0;

	bpf_get_func_arg(ctx, 0, &v);
	return v;
}

static __always_inline __u32 cf_watch_slot(__u64 bus, __u32 devfn)
{
	return cf_fast_slot(bus ^ ((__u64)devfn << 12));
}

/* Is config byte `where` of (bus, devfn) followed? SKIP: not followed, or
 * the device is not watched. */
static __always_inline int fast_watch(__u64 bus, __u32 devfn, __u32 where)
{
	struct cf_fast_watch *e = &cf_fast.watches[cf_watch_slot(bus, devfn)];
	__u32 seq = cf_read_once(e->seq);
	int answer;

	barrier();
	if (seq & 1 || e->epoch != cf_read_once(cf_fast.watch_epoch) || e->bus != bus ||
	    e->devfn != devfn)
		return CF_FAST_MISS;
	answer = cf_fast_watch_answer(e->state, e->track, where);
	barrier();
	if (cf_read_once(e->seq) != seq)
		return CF_FAST_MISS;
	return answer;
}

static __always_inline void fast_track_dword(struct cf_fast_watch *e, __u32 dw)
{
	e->track[cf_fast_word(dw)] |= 1ull << (dw & 63);
}

/* Copy the device's entry in cfgf_watch (NULL: not watched); `epoch` was
 * read before it was looked up. The dwords whose writes start a reset are
 * followed in the copy whatever the map says, so a skipped write never
 * starts one. */
static __always_inline void fast_watch_fill(__u64 bus, __u32 devfn, const struct cf_watch *w,
					    __u32 epoch)
{
	struct cf_fast_watch *e = &cf_fast.watches[cf_watch_slot(bus, devfn)];

	if (cf_fast_take(&e->seq))
		return;
	e->epoch = epoch;
	e->bus = bus;
	e->devfn = devfn;
	e->state = !w ? CF_FW_UNWATCHED : !w->narrowed ? CF_FW_WHOLE : CF_FW_NARROWED;
	for (int i = 0; i < CF_FAST_DWORDS / 64; i++)
		e->track[i] = w ? w->track[i] : 0;
	if (w && w->pcie)
		fast_track_dword(e, (w->pcie + 8) >> 2);
	if (w && w->pm)
		fast_track_dword(e, (w->pm + 4) >> 2);
	cf_fast_release(&e->seq);
}

/* What the bus hooks follow changed: every watch copy is void. Called
 * after the change. */
static __always_inline void fast_watches_void(void)
{
	__sync_fetch_and_add(&cf_fast.watch_epoch, 1);
}

#endif

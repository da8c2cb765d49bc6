#!/usr/bin/env bash
# make demo: boot Debian's kernel in qemu, load cfgfilter, have a VFIO
# client write MPS and Phantom Functions, show the events.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
suite=${CFGFILTER_DEMO_KERNEL:-bookworm}
echo "Booting Debian $suite's kernel under qemu (TCG, ~10-20 s)..." >&2
"$top/tests/vm/run-vm.sh" "$suite" demo | grep -v '^# guest: done'

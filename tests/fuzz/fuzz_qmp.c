/* fuzz_qmp.c: libFuzzer harness of the QMP client (guests/linux/qmp.c): the
 * input is everything QEMU says on the socket; the client greets, then asks
 * for vCPU threads, KVM statistics and their schemas as vbench does. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guests/linux/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_qmp q;
	char err[512];
	int sv[2], tids[8];
	json_t *a = NULL, *b = NULL, *types = NULL, *d;

	/* The socket buffer holds the whole reply stream; QEMU's side then closes. */
	if (size > 100000 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	if (write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR);
	if (vb_qmp_open_fd(&q, sv[0], 1, err, sizeof(err)) == 0) {
		vb_qmp_vcpu_tids(&q, tids, 8, err, sizeof(err));
		vb_qmp_kvm_stats(&q, &a, err, sizeof(err));
		vb_qmp_kvm_stat_types(&q, &types, err, sizeof(err));
		vb_qmp_kvm_stats(&q, &b, err, sizeof(err));
		d = vb_kvm_stats_delta(a, b ? b : a, types);
		json_decref(d);
		json_decref(a);
		json_decref(b);
		json_decref(types);
		vb_qmp_close(&q);
	}
	close(sv[1]);
	return 0;
}

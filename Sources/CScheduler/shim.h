// sched_setattr(2), which glibc 2.36 (Debian 12) does not wrap, and which
// Swift cannot reach through syscall(2), a variadic function.
#ifndef SETU_CSCHEDULER_SHIM_H
#define SETU_CSCHEDULER_SHIM_H

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's struct sched_attr (include/uapi/linux/sched/types.h). */
struct setu_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};

/* The calling thread stays under SCHED_OTHER at `nice`, and asks for time
   slices of `slice_ns` (sched_runtime; Linux 6.12 and later use it, earlier
   kernels accept and ignore it). 0, or -1 with errno set. */
static inline int setu_sched_request_slice(int nice, uint64_t slice_ns) {
    struct setu_sched_attr attr = {0};
    attr.size = sizeof attr;
    attr.sched_policy = 0; /* SCHED_OTHER */
    attr.sched_nice = nice;
    attr.sched_runtime = slice_ns;
    return (int)syscall(SYS_sched_setattr, 0, &attr, 0);
}
#endif
